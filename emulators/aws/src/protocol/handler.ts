import type { AwsModel } from '../model/aws-model';
import type { QueryParams } from './query-request';
import type { XmlValue } from './xml-values';

/** The members of an XML result; undefined for operations without output. */
export type XmlResult = Readonly<Record<string, XmlValue>> | undefined;

/** Handles one query-protocol action against the model. */
export type QueryHandler = (model: AwsModel, params: QueryParams) => XmlResult | Promise<XmlResult>;
