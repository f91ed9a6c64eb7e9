import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';

import { autoScalingActions } from './autoscaling/actions/registry';
import { ec2Actions } from './ec2/actions/registry';
import { AwsApiError } from './errors';
import { sendSshPublicKey } from './instance-connect/send-ssh-public-key';
import type { AwsModel } from './model/aws-model';
import type { CallLog } from './model/call-log';
import { encodeEc2Error, encodeEc2Result } from './protocol/ec2-response';
import { injectedError } from './protocol/injected-errors';
import type { ServiceName } from './model/faults';
import { readBody, writeResponse } from './protocol/http-body';
import { encodeJsonError, encodeJsonResult, parseJsonBody } from './protocol/json-protocol';
import { QueryParams } from './protocol/query-request';
import { encodeQueryError, encodeQueryResult } from './protocol/query-response';
import type { WireResponse } from './protocol/wire-response';
import { sqsActions } from './sqs/sqs-actions';
import { SQS_TARGET, encodeSqsError, encodeSqsResult } from './sqs/sqs-protocol';

const INSTANCE_CONNECT_TARGET = 'AWSEC2InstanceConnectService.';

interface Routed {
  readonly service: ServiceName | 'unknown';
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly run: () => Promise<WireResponse>;
  readonly fail: (error: AwsApiError) => WireResponse;
}

/** Creates the AWS API server: one port for Auto Scaling, EC2, EC2 Instance Connect and SQS. */
export function createAwsApiServer(model: AwsModel, calls: CallLog): Server {
  return createServer((request, response) => {
    void handle(model, calls, request).then(
      wire => {
        writeResponse(response, wire);
      },
      (error: unknown) => {
        model.ctx.logger.error({ err: error }, 'could not answer an api request');
        response.writeHead(500).end();
      },
    );
  });
}

async function handle(
  model: AwsModel,
  calls: CallLog,
  request: IncomingMessage,
): Promise<WireResponse> {
  const body = await readBody(request);
  const requestId = model.ctx.random.uuid();
  const routed = route(model, request, body, requestId);
  let wire: WireResponse;
  let errorCode: string | undefined;
  try {
    const rule =
      routed.service === 'unknown'
        ? undefined
        : model.faults.consumeThrottle(routed.service, routed.action, model.ctx.clock.now());
    if (rule !== undefined && routed.service !== 'unknown') {
      throw injectedError(routed.service, rule.errorCode);
    }
    wire = await routed.run();
  } catch (error) {
    const apiError =
      error instanceof AwsApiError
        ? error
        : new AwsApiError(
            'InternalFailure',
            'The request processing has failed because of an unknown error, exception or failure.',
            {
              httpStatus: 500,
              cause: error,
            },
          );
    if (!(error instanceof AwsApiError)) {
      model.ctx.logger.error({ err: error, action: routed.action }, 'api handler failed');
    }
    errorCode = apiError.code;
    wire = routed.fail(apiError);
  }
  calls.record({
    atMs: model.ctx.clock.now(),
    service: routed.service,
    action: routed.action,
    httpStatus: wire.status,
    errorCode,
    params: routed.params,
  });
  model.ctx.logger.debug(
    { service: routed.service, action: routed.action, status: wire.status, errorCode },
    'api call',
  );
  return wire;
}

function route(model: AwsModel, request: IncomingMessage, body: string, requestId: string): Routed {
  const target = header(request, 'x-amz-target');
  if (target?.startsWith(SQS_TARGET) === true) {
    return routeSqs(model, request, body, requestId, target.slice(SQS_TARGET.length));
  }
  if (target !== undefined) {
    const action = target.startsWith(INSTANCE_CONNECT_TARGET)
      ? target.slice(INSTANCE_CONNECT_TARGET.length)
      : target;
    let params: Record<string, unknown> = {};
    return {
      service: 'ec2-instance-connect',
      action,
      get params() {
        return params;
      },
      run: async () => {
        params = parseJsonBody(body);
        if (action !== 'SendSSHPublicKey' || !target.startsWith(INSTANCE_CONNECT_TARGET)) {
          throw new AwsApiError('UnknownOperationException', `Unknown operation ${target}`);
        }
        return encodeJsonResult(await sendSshPublicKey(model, params), requestId);
      },
      fail: error => encodeJsonError(error, requestId),
    };
  }
  const urlQuery = (request.url ?? '/').split('?')[1] ?? '';
  const probe = QueryParams.parse(body, urlQuery, 'query');
  const service = serviceOf(probe.string('Version'), header(request, 'authorization'));
  const params = QueryParams.parse(body, urlQuery, service === 'ec2' ? 'ec2' : 'query');
  const action = params.string('Action') ?? '';
  const logged = Object.fromEntries(params.entries());
  if (service === 'ec2') {
    return {
      service,
      action,
      params: logged,
      run: async () => {
        const handler = ec2Actions.get(action);
        if (handler === undefined) {
          throw invalidAction(action);
        }
        return encodeEc2Result(action, (await handler(model, params)) ?? {}, requestId);
      },
      fail: error => encodeEc2Error(error, requestId),
    };
  }
  return {
    service: service ?? 'unknown',
    action,
    params: logged,
    run: async () => {
      const handler = service === 'autoscaling' ? autoScalingActions.get(action) : undefined;
      if (service === undefined) {
        throw new AwsApiError(
          'MissingParameter',
          'The request must contain the parameter Version or be signed for a known service.',
        );
      }
      if (handler === undefined) {
        throw invalidAction(action);
      }
      return encodeQueryResult(action, await handler(model, params), requestId);
    },
    fail: error => encodeQueryError(error, requestId),
  };
}

function routeSqs(
  model: AwsModel,
  request: IncomingMessage,
  body: string,
  requestId: string,
  action: string,
): Routed {
  let params: Record<string, unknown> = {};
  // Queue URLs name the host the client called, as SQS's own do.
  const baseUrl = `http://${header(request, 'host') ?? '127.0.0.1'}`;
  return {
    service: 'sqs',
    action,
    get params() {
      return params;
    },
    run: async () => {
      params = parseJsonBody(body);
      const handler = sqsActions.get(action);
      if (handler === undefined) {
        throw new AwsApiError(
          'UnknownOperationException',
          `Unknown operation ${SQS_TARGET}${action}`,
        );
      }
      return encodeSqsResult(await handler({ model, baseUrl, input: params }), requestId);
    },
    fail: error => encodeSqsError(error, requestId),
  };
}

function serviceOf(
  version: string | undefined,
  authorization: string | undefined,
): 'autoscaling' | 'ec2' | undefined {
  if (version === '2011-01-01') {
    return 'autoscaling';
  }
  if (version === '2016-11-15') {
    return 'ec2';
  }
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
    authorization ?? '',
  )?.[1];
  return scope === 'autoscaling' || scope === 'ec2' ? scope : undefined;
}

function invalidAction(action: string): AwsApiError {
  return action === ''
    ? new AwsApiError('MissingAction', 'Missing Action')
    : new AwsApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
