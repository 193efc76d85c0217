// Checks the tool-calling fields of a /v1 chat request as OpenAI does (`tools`, `tool_choice`,
// assistant `tool_calls` and `tool` turns in the history), each problem a 400 naming the field.
// Whether a tool's parameters schema can be enforced is the engine's check (its grammar).
import { invalidParam, type ApiError } from '../../../workers/protocol/openai/api-error.ts';

type Body = Record<string, unknown>;

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const CHOICES = ['none', 'auto', 'required'];

const isObject = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

export function checkTools(body: Body): void {
  const tools = body['tools'];
  const names: string[] = [];
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) throw typeError('tools', 'an array', tools);
    if (tools.length === 0) throw invalidParam('tools', 'empty_array', "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.");
    tools.forEach((tool: unknown, i) => names.push(checkTool(tool, `tools[${i}]`)));
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) throw invalidParam('tools', 'invalid_value', `Invalid 'tools': the function name '${twice}' is used more than once.`);
  }
  const choice = body['tool_choice'];
  if (choice === undefined || choice === null) return;
  if (names.length === 0) throw invalidParam('tool_choice', 'invalid_value', "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.");
  if (typeof choice === 'string') {
    if (!CHOICES.includes(choice)) throw invalidParam('tool_choice', 'invalid_value', `Invalid value: '${choice}'. Supported values are: 'none', 'auto' and 'required', or {"type": "function", "function": {"name": ...}}.`);
    return;
  }
  const named = isObject(choice) && choice['type'] === 'function' && isObject(choice['function']) ? choice['function']['name'] : undefined;
  if (typeof named !== 'string') throw typeError('tool_choice', `one of 'none', 'auto', 'required' or {"type": "function", "function": {"name": ...}}`, choice);
  if (!names.includes(named)) throw invalidParam('tool_choice', 'invalid_value', `Invalid 'tool_choice': no function named '${named}' in 'tools' (${names.map((n) => `'${n}'`).join(', ')}).`);
}

/** The tool's function name, once its shape is right. */
function checkTool(tool: unknown, at: string): string {
  if (!isObject(tool)) throw typeError(at, 'an object', tool);
  if (tool['type'] !== 'function') throw invalidParam(`${at}.type`, 'invalid_value', `Invalid value: ${JSON.stringify(tool['type'])}. Supported values are: 'function'.`);
  const fn = tool['function'];
  if (!isObject(fn)) throw invalidParam(`${at}.function`, 'missing_required_parameter', `Missing required parameter: '${at}.function'.`);
  const name = fn['name'];
  if (typeof name !== 'string') throw invalidParam(`${at}.function.name`, 'missing_required_parameter', `Missing required parameter: '${at}.function.name'.`);
  if (!NAME.test(name)) throw invalidParam(`${at}.function.name`, 'invalid_value', `Invalid '${at}.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.`);
  const description = fn['description'];
  if (description !== undefined && description !== null && typeof description !== 'string') throw typeError(`${at}.function.description`, 'a string', description);
  const parameters = fn['parameters'];
  if (parameters !== undefined && parameters !== null && !isObject(parameters)) throw typeError(`${at}.function.parameters`, 'an object (a JSON Schema)', parameters);
  const strict = fn['strict'];
  if (strict !== undefined && strict !== null && typeof strict !== 'boolean') throw typeError(`${at}.function.strict`, 'a boolean', strict);
  return name;
}

/** An assistant turn's `tool_calls` (content may then be null) or a `tool` turn's `tool_call_id`;
 * true when the turn's content may be null. */
export function checkToolTurn(message: Body, at: string): boolean {
  if (message['role'] === 'tool') {
    const id = message['tool_call_id'];
    if (typeof id !== 'string') throw invalidParam(`${at}.tool_call_id`, 'missing_required_parameter', `Missing required parameter: '${at}.tool_call_id'.`);
    return false;
  }
  const calls = message['tool_calls'];
  if (calls === undefined || calls === null) return false;
  if (message['role'] !== 'assistant') throw invalidParam(`${at}.tool_calls`, 'invalid_value', `Invalid '${at}.tool_calls': only assistant messages have tool calls.`);
  if (!Array.isArray(calls)) throw typeError(`${at}.tool_calls`, 'an array', calls);
  calls.forEach((call: unknown, j) => {
    const where = `${at}.tool_calls[${j}]`;
    if (!isObject(call) || typeof call['id'] !== 'string' || call['type'] !== 'function' || !isObject(call['function'])) {
      throw typeError(where, '{"id": string, "type": "function", "function": {"name": string, "arguments": string}}', call);
    }
    const fn = call['function'];
    if (typeof fn['name'] !== 'string') throw invalidParam(`${where}.function.name`, 'missing_required_parameter', `Missing required parameter: '${where}.function.name'.`);
    if (typeof fn['arguments'] !== 'string') throw typeError(`${where}.function.arguments`, 'a string (the arguments as JSON text)', fn['arguments']);
  });
  return true;
}

/** Every `tool` turn answers a call an earlier assistant turn made, as OpenAI requires. */
export function checkToolReplies(messages: readonly Body[]): void {
  const callIds = new Set<string>();
  messages.forEach((message, i) => {
    const calls = message['tool_calls'];
    if (Array.isArray(calls)) for (const call of calls as Body[]) callIds.add(call['id'] as string);
    if (message['role'] === 'tool' && !callIds.has(message['tool_call_id'] as string)) {
      throw invalidParam(`messages[${i}].tool_call_id`, 'invalid_value', `Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (no call has the id ${JSON.stringify(message['tool_call_id'])}).`);
    }
  });
}

function typeError(param: string, expected: string, value: unknown): ApiError {
  return invalidParam(param, 'invalid_type', `Invalid type for '${param}': expected ${expected}, but got ${JSON.stringify(value)} instead.`);
}
