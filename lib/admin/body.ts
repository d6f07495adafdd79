/**
 * Reading a token-administration request body, inside the mount, framework-neutral: JSON only
 * (415 otherwise), at most `limit` bytes (413, nothing read past it), valid UTF-8 JSON (400).
 * A body another middleware already parsed (Express's `express.json()`, a Koa body parser) is
 * taken as that middleware left it.
 *
 * @module
 * @internal
 */
import { InvalidParameterError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js'

/** What the body reader needs from a request (Node's `IncomingMessage` has it all). @internal */
export interface BodySource extends AsyncIterable<unknown> {
  readonly headers: { readonly [name: string]: string | readonly string[] | undefined }
  /** True once the stream has been read to its end (by another body parser). */
  readonly readableEnded: boolean
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function header(source: BodySource, name: string): string | undefined {
  const value = source.headers[name]
  return typeof value === 'string' ? value : value?.join(', ')
}

/** Whether the request says it has a body: a non-zero Content-Length, or chunked. */
function hasBody(source: BodySource): boolean {
  const length = header(source, 'content-length')
  if (length !== undefined) return length.trim() !== '0'
  return header(source, 'transfer-encoding') !== undefined
}

/** Whether a Content-Type is JSON in UTF-8: `application/json`, optionally `; charset=utf-8`. */
function isJson(contentType: string): boolean {
  const [type = '', ...params] = contentType.split(';').map((p) => p.trim().toLowerCase())
  if (type !== 'application/json') return false
  return params.every((p) => !p.startsWith('charset=') || p === 'charset=utf-8' || p === 'charset="utf-8"')
}

const NOT_JSON = 'The request body must be JSON: send Content-Type: application/json'

/**
 * The request's JSON body, or `undefined` when it has none.
 * @param source - the request stream and its headers.
 * @param limit - the most bytes read.
 * @param parsed - what another body parser left, when the stream was already read.
 * @throws UnsupportedMediaTypeError (415) for a body that is not JSON; PayloadTooLargeError
 * (413); InvalidParameterError (400, parameter `body`) for bytes that are not UTF-8 JSON.
 * @internal
 */
export async function readJsonBody(source: BodySource, limit: number, parsed: unknown): Promise<unknown> {
  const contentType = header(source, 'content-type')
  if (source.readableEnded) {
    // Another parser read it: take its result, but only for a JSON request.
    if (parsed === undefined || (typeof parsed === 'object' && parsed !== null && Object.keys(parsed).length === 0 && !hasBody(source))) return undefined
    if (contentType === undefined || !isJson(contentType)) throw new UnsupportedMediaTypeError(NOT_JSON)
    return parsed
  }
  if (!hasBody(source)) return undefined
  if (contentType === undefined || !isJson(contentType)) throw new UnsupportedMediaTypeError(NOT_JSON)
  const declared = Number(header(source, 'content-length') ?? Number.NaN)
  if (declared > limit) throw new PayloadTooLargeError(`The request body is larger than ${limit} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += bytes.length
    if (size > limit) throw new PayloadTooLargeError(`The request body is larger than ${limit} bytes`)
    chunks.push(bytes)
  }
  if (size === 0) return undefined
  let text: string
  try {
    text = utf8.decode(Buffer.concat(chunks))
  } catch {
    throw new InvalidParameterError('body', 'The request body is not valid UTF-8')
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new InvalidParameterError('body', `The request body is not valid JSON: ${(error as Error).message.slice(0, 200)}`)
  }
}
