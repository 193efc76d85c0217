// Checks a /v1 request body field by field the way OpenAI does: the first problem becomes a
// 400 naming the field (`param`), with OpenAI's error codes. Every accepted field is applied;
// fields this engine cannot honour (n > 1) are refused, never ignored.
import { ApiError, invalidParam } from '../../../workers/protocol/openai/api-error.ts';
import type { ChatCompletionCreateParams, CompletionCreateParams, TextPart, WireMessage } from '../../../workers/protocol/openai/wire.ts';
import { responseFormatShapeProblems } from '../../../workers/protocol/response-format.ts';
import { COMPLETION_LOGPROBS_BOUND, TOP_LOGPROBS_BOUND } from '../../../workers/protocol/logprobs.ts';
import { MAX_TOKENS_BOUND, SAMPLING_BOUNDS, checkBound, describeBound, type SamplingBound, type SamplingField } from '../../../workers/protocol/sampling-rules.ts';
import { checkToolReplies, checkTools, checkToolTurn } from './tools-validate.ts';

type Body = Record<string, unknown>;

const SAMPLING_FIELDS = ['model', 'temperature', 'top_p', 'top_k', 'min_p', 'repetition_penalty', 'presence_penalty', 'frequency_penalty', 'seed', 'max_tokens', 'stop', 'n', 'stream', 'stream_options', 'user'];
const CHAT_FIELDS = new Set([...SAMPLING_FIELDS, 'messages', 'max_completion_tokens', 'response_format', 'logprobs', 'top_logprobs', 'tools', 'tool_choice', 'parallel_tool_calls', 'store', 'metadata']);
const COMPLETION_FIELDS = new Set([...SAMPLING_FIELDS, 'prompt', 'echo', 'suffix', 'logprobs', 'best_of']);
const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];
const MAX_STOPS = 4;

/** The parsed JSON body, or OpenAI's 400 for a body that is not a JSON object. */
export function parseBody(text: string): Body {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidParam(null, null, "We could not parse the JSON body of your request. The API expects a JSON payload (Content-Type: application/json), but what was sent was not valid JSON.");
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParam(null, 'invalid_type', 'The request body must be a JSON object.');
  }
  return value as Body;
}

export function validateChatRequest(body: Body): ChatCompletionCreateParams {
  checkKnown(body, CHAT_FIELDS);
  checkCommon(body);
  const messages = required(body, 'messages');
  if (!Array.isArray(messages)) throw typeError('messages', 'an array', messages);
  if (messages.length === 0) throw invalidParam('messages', 'empty_array', "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.");
  messages.forEach(checkMessage);
  checkToolReplies(messages as Body[]);
  optional(body, 'max_completion_tokens', bounded(MAX_TOKENS_BOUND));
  optional(body, 'logprobs', checkBoolean);
  optional(body, 'top_logprobs', bounded(TOP_LOGPROBS_BOUND));
  if (body['top_logprobs'] !== undefined && body['top_logprobs'] !== null && body['logprobs'] !== true) {
    throw invalidParam('top_logprobs', 'invalid_value', "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.");
  }
  checkTools(body);
  optional(body, 'parallel_tool_calls', checkBoolean);
  optional(body, 'store', checkBoolean);
  optional(body, 'metadata', (param, v) => {
    if (typeof v !== 'object' || Array.isArray(v)) throw typeError(param, 'an object', v);
  });
  optional(body, 'response_format', (param, v) => {
    const problems = responseFormatShapeProblems(v);
    if (problems.length > 0) throw invalidParam(param, 'invalid_value', `Invalid '${param}': ${problems.join('; ')}.`);
  });
  return body as unknown as ChatCompletionCreateParams;
}

export function validateCompletionRequest(body: Body): CompletionCreateParams {
  checkKnown(body, COMPLETION_FIELDS);
  checkCommon(body);
  const prompt = required(body, 'prompt');
  const single = Array.isArray(prompt) && prompt.length === 1 ? prompt[0] : prompt;
  if (typeof single !== 'string') {
    throw invalidParam('prompt', 'invalid_type', "Invalid 'prompt': this engine takes one prompt as a string (token-id prompts and batches of prompts are not supported).");
  }
  refuseUnless(body, 'echo', (v) => v === false || v === null, 'echo is not supported by this engine.');
  refuseUnless(body, 'suffix', (v) => v === null, 'suffix (fill-in-the-middle) is not supported by this engine.');
  optional(body, 'logprobs', bounded(COMPLETION_LOGPROBS_BOUND));
  refuseUnless(body, 'best_of', (v) => v === null || v === 1, 'best_of > 1 is not supported by this engine.');
  return body as unknown as CompletionCreateParams;
}

function checkCommon(body: Body): void {
  const model = required(body, 'model');
  if (typeof model !== 'string' || model === '') throw typeError('model', 'a non-empty string', model);
  for (const field of Object.keys(SAMPLING_BOUNDS) as SamplingField[]) {
    // vLLM's "off" for top_k is -1 (the engine's is 0); api-server.ts maps it.
    if (field === 'top_k' && body[field] === -1) continue;
    optional(body, field, bounded(SAMPLING_BOUNDS[field]));
  }
  optional(body, 'max_tokens', bounded(MAX_TOKENS_BOUND));
  optional(body, 'n', (param, v) => {
    if (!Number.isInteger(v)) throw typeError(param, 'an integer', v);
    if (v !== 1) throw invalidParam(param, 'invalid_value', `Invalid '${param}': this engine returns one choice per request (n must be 1, got ${String(v)}).`);
  });
  optional(body, 'stop', (param, v) => {
    const stops = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(stops) || !stops.every((s) => typeof s === 'string')) throw typeError(param, 'a string or an array of strings', v);
    if (stops.length > MAX_STOPS) throw invalidParam(param, 'array_above_max_length', `Invalid '${param}': array too long. Expected an array with maximum length ${MAX_STOPS}, but got an array with length ${stops.length} instead.`);
  });
  optional(body, 'stream', checkBoolean);
  optional(body, 'stream_options', (param, v) => {
    if (typeof v !== 'object' || Array.isArray(v)) throw typeError(param, 'an object', v);
    if (body['stream'] !== true) throw invalidParam(param, 'invalid_value', "Invalid 'stream_options': only allowed when 'stream' is true.");
    const include = (v as Body)['include_usage'];
    if (include !== undefined && typeof include !== 'boolean') throw typeError(`${param}.include_usage`, 'a boolean', include);
  });
  optional(body, 'user', (param, v) => {
    if (typeof v !== 'string') throw typeError(param, 'a string', v);
  });
}

function checkMessage(message: unknown, index: number): void {
  const at = `messages[${index}]`;
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw typeError(at, 'an object', message);
  const m = message as Body;
  const role = m['role'];
  if (role === undefined) throw invalidParam(`${at}.role`, 'missing_required_parameter', `Missing required parameter: '${at}.role'.`);
  if (typeof role !== 'string' || !ROLES.includes(role)) {
    throw invalidParam(`${at}.role`, 'invalid_value', `Invalid value: ${JSON.stringify(role)}. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.`);
  }
  const mayBeEmpty = checkToolTurn(m, at);
  const content = m['content'];
  if ((content === undefined || content === null) && mayBeEmpty) return;
  if (content === undefined || content === null) throw invalidParam(`${at}.content`, 'missing_required_parameter', `Missing required parameter: '${at}.content'.`);
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) throw typeError(`${at}.content`, 'a string or an array of content parts', content);
  content.forEach((part: unknown, j) => {
    const p = part as Partial<TextPart> | null;
    if (p?.type !== 'text' || typeof p.text !== 'string') {
      throw invalidParam(`${at}.content[${j}]`, 'invalid_value', `Invalid '${at}.content[${j}]': only text parts ({"type": "text", "text": "..."}) are supported; this model reads no images or audio.`);
    }
  });
}

/** A message's text: a string, or its text parts joined (none for an assistant turn of tool calls only). */
export function messageText(message: WireMessage): string {
  if (message.content === null) return '';
  return typeof message.content === 'string' ? message.content : message.content.map((p) => p.text).join('');
}

function checkKnown(body: Body, known: Set<string>): void {
  const unknown = Object.keys(body).find((key) => !known.has(key));
  if (unknown !== undefined) throw invalidParam(unknown, 'unknown_parameter', `Unrecognized request argument supplied: ${unknown}`);
}

function required(body: Body, param: string): unknown {
  const value = body[param];
  if (value === undefined || value === null) throw invalidParam(param, 'missing_required_parameter', `Missing required parameter: '${param}'.`);
  return value;
}

function optional(body: Body, param: string, check: (param: string, value: unknown) => void): void {
  const value = body[param];
  if (value !== undefined && value !== null) check(param, value);
}

function refuseUnless(body: Body, param: string, allowed: (value: unknown) => boolean, message: string): void {
  const value = body[param];
  if (value === undefined || allowed(value)) return;
  throw invalidParam(param, 'unsupported_parameter', `Unsupported parameter: '${param}'. ${message}`);
}

function bounded(bound: SamplingBound): (param: string, value: unknown) => void {
  return (param, value) => {
    const { integer } = bound;
    const kind = integer ? 'integer' : 'decimal';
    switch (checkBound(bound, value)) {
      case null:
        return;
      case 'type':
      case 'integer':
        throw typeError(param, integer ? 'an integer' : 'a number', value);
      case 'above_max':
        throw invalidParam(param, `${kind}_above_max_value`, `Invalid '${param}': ${kind} above maximum value. Expected ${describeBound(bound)}, but got ${String(value)} instead.`);
      case 'below_min':
        throw invalidParam(param, `${kind}_below_min_value`, `Invalid '${param}': ${kind} below minimum value. Expected ${describeBound(bound)}, but got ${String(value)} instead.`);
    }
  };
}

function checkBoolean(param: string, value: unknown): void {
  if (typeof value !== 'boolean') throw typeError(param, 'a boolean', value);
}

function typeError(param: string, expected: string, value: unknown): ApiError {
  return invalidParam(param, 'invalid_type', `Invalid type for '${param}': expected ${expected}, but got ${JSON.stringify(value)} instead.`);
}
