// Structured output (response_format json_object / json_schema): what the engine uses. See
// README.md here for the supported JSON Schema subset and grammar-constraint.ts for the loop.
export { createGrammarConstraint, GrammarConstraint } from './grammar-constraint.ts';
export { validateResponseFormat } from './response-format.ts';
export { SchemaError } from './schema-error.ts';
export { type TokenVocabulary, vocabularyFromTokenizerJson } from './vocabulary.ts';
export { callableNames, smallestToolAnswer, ToolCallConstraint, type ToolCallTokens, ToolSchemaError } from './tool-call.ts';
