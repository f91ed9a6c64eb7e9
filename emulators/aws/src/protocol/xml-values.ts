/** A value a handler returns for XML rendering: scalars, dates, lists and nested records. */
export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | undefined
  | null
  | readonly XmlValue[]
  | { readonly [key: string]: XmlValue };

type Rendered = string | Rendered[] | { [key: string]: Rendered };

/**
 * Turns a handler result into the object shape XMLBuilder expects: lists wrapped in
 * `listElement` (`member` for Auto Scaling, `item` for EC2), dates as ISO-8601, booleans as
 * `true`/`false`, and absent members left out (not emitted as empty elements).
 */
export function toXmlTree(value: XmlValue, listElement: 'member' | 'item'): Rendered | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (Array.isArray(value)) {
    const items = (value as readonly XmlValue[])
      .map(item => toXmlTree(item, listElement))
      .filter((item): item is Rendered => item !== undefined);
    // An empty list still appears as an empty element, as AWS sends `<Instances/>`.
    return items.length === 0 ? '' : { [listElement]: items };
  }
  if (typeof value === 'object') {
    const out: { [key: string]: Rendered } = {};
    for (const [key, member] of Object.entries(value as { readonly [key: string]: XmlValue })) {
      const rendered = toXmlTree(member, listElement);
      if (rendered !== undefined) {
        out[key] = rendered;
      }
    }
    return out;
  }
  return String(value);
}
