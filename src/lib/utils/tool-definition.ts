// The tool-calling demo's tool, typed as JSON: `{name, description?, parameters?}` (the function
// part of an OpenAI tool), or the problems with it. The schema itself is the engine's check.
import type { ToolFunction } from '../../../workers/protocol/tools.ts';

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export type ParsedTool = { tool: ToolFunction } | { problems: string[] };

export function parseToolDefinition(text: string, notJson: string): ParsedTool {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { problems: [`${notJson}: ${e instanceof Error ? e.message : String(e)}`] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problems: ['{"name": ..., "parameters": {...}}'] };
  const { name, description, parameters } = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof name !== 'string' || !NAME.test(name)) problems.push('name: 1 to 64 of a-z A-Z 0-9 _ -');
  if (description !== undefined && typeof description !== 'string') problems.push('description: a string');
  if (parameters !== undefined && (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))) problems.push('parameters: a JSON Schema object');
  return problems.length > 0 ? { problems } : { tool: value as ToolFunction };
}
