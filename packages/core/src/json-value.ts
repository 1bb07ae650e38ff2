/** JSON data as it crosses the payload boundary; types only, so any module can name them. */

/** A JSON value: the only kind of data that crosses the payload boundary. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };
