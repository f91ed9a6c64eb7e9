import { XMLBuilder } from 'fast-xml-parser';

/** The one XML writer of the emulator: attributes with `@_`, empty elements self-closed. */
// The project standardises on fast-xml-parser; its XMLBuilder now forwards to fast-xml-builder.
// eslint-disable-next-line @typescript-eslint/no-deprecated
export const xmlBuilder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
});

/** Serialises a rendered tree to a document with an XML declaration. */
export function buildXmlDocument(tree: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xmlBuilder.build(tree)}`;
}
