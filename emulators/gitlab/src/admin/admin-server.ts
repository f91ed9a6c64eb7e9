import { createServer, type Server } from 'node:http';

import type { Logger } from 'pino';

import { PipelineError } from '../ci/index';
import { GitlabEmulatorError } from '../errors';
import { GitRepositoryError } from '../git/index';
import { parseJsonObject, readBody } from '../http/read-body';
import type { AdminAnswer, AdminRoute } from './admin-routes';

const adminBodyLimitBytes = 1024 * 1024;

/** Creates the admin HTTP server (JSON control and read API) over the given routes. */
export function createAdminServer(routes: readonly AdminRoute[], logger: Logger): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const answer = async (): Promise<AdminAnswer> => {
      const body = await readBody(req, adminBodyLimitBytes);
      const json = parseJsonObject(body);
      if (body.length > 0 && json === undefined) {
        throw new GitlabEmulatorError(
          'invalid_request',
          'could not parse body: JSON object expected',
        );
      }
      for (const route of routes) {
        const match = route.method === req.method ? route.pattern.exec(url.pathname) : null;
        if (match !== null) {
          return route.handle({ ...match.groups }, json ?? {}, url.searchParams);
        }
      }
      return { status: 404, json: { message: 'no such admin route', code: 'not_found' } };
    };
    answer()
      .catch((error: unknown) => errorAnswer(error, logger))
      .then(result => {
        res.statusCode = result.status;
        if (result.text !== undefined) {
          res.setHeader('Content-Type', 'text/plain; charset=utf-8');
          res.end(result.text);
        } else if (result.json !== undefined) {
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify(result.json));
        } else {
          res.end();
        }
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'admin response failed');
        res.destroy();
      });
  });
}

function errorAnswer(error: unknown, logger: Logger): AdminAnswer {
  if (error instanceof GitlabEmulatorError) {
    const message = error.code === 'pipeline_invalid' ? { base: error.details } : error.message;
    return {
      status: error.httpStatus,
      json: { message, code: error.code, details: error.details },
    };
  }
  if (error instanceof GitRepositoryError) {
    return { status: 400, json: { message: error.message, code: error.code } };
  }
  if (error instanceof PipelineError) {
    // Playing a job that is not manual, retrying one that is running: the job's state says no.
    return { status: 409, json: { message: error.message, code: error.code } };
  }
  logger.error({ err: error }, 'admin request failed');
  return { status: 500, json: { message: 'could not handle admin request', code: 'internal' } };
}
