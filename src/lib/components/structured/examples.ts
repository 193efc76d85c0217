// Starting points for the JSON test: the tutorial's weather query and a few everyday shapes.
import type { MessageKey } from '../../i18n/en.ts';

export interface JsonExample {
  id: string;
  label: MessageKey;
  prompt: MessageKey;
  /** null: any JSON object (response_format json_object). */
  schema: Record<string, unknown> | null;
}

export const JSON_EXAMPLES: readonly JsonExample[] = [
  {
    id: 'weather',
    label: 'structured.example.weather',
    prompt: 'structured.prompt.weather',
    schema: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        date: { type: 'string', format: 'date' },
        temperature_c: { type: 'number', minimum: -90, maximum: 60 },
        condition: { enum: ['sunny', 'cloudy', 'rain', 'snow', 'storm'] },
        humidity: { type: 'integer', minimum: 0, maximum: 100 },
      },
      required: ['city', 'date', 'temperature_c', 'condition'],
      additionalProperties: false,
    },
  },
  {
    id: 'contact',
    label: 'structured.example.contact',
    prompt: 'structured.prompt.contact',
    schema: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 60 },
        email: { type: 'string', format: 'email' },
        phone: { type: ['string', 'null'] },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 5 },
      },
      required: ['name', 'email'],
      additionalProperties: false,
    },
  },
  {
    id: 'todo',
    label: 'structured.example.todo',
    prompt: 'structured.prompt.todo',
    schema: {
      type: 'array',
      items: {
        type: 'object',
        properties: { task: { type: 'string' }, priority: { enum: ['low', 'medium', 'high'] }, done: { type: 'boolean' } },
        required: ['task', 'priority', 'done'],
        additionalProperties: false,
      },
      minItems: 1,
      maxItems: 6,
    },
  },
  {
    id: 'tool',
    label: 'structured.example.tool',
    prompt: 'structured.prompt.tool',
    schema: {
      type: 'object',
      properties: {
        name: { const: 'get_weather' },
        arguments: {
          type: 'object',
          properties: { city: { type: 'string' }, unit: { enum: ['celsius', 'fahrenheit'] } },
          required: ['city', 'unit'],
          additionalProperties: false,
        },
      },
      required: ['name', 'arguments'],
      additionalProperties: false,
    },
  },
  { id: 'object', label: 'structured.example.object', prompt: 'structured.prompt.object', schema: null },
];

/** The tool-calling demo's starting tool, as the function part of an OpenAI tool. */
export const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'The current weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
    additionalProperties: false,
  },
};
