// XGrammar's WASM build (@mlc-ai/web-xgrammar, as WebLLM ships it) as a SchemaEngine, configured
// like ours: Python json.dumps's separators on one line, no free whitespace, and non-strict mode
// (additionalProperties/items as the schema says, not forced false).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Xgrammar from '@mlc-ai/web-xgrammar';
import { type CompiledSchema, type InstanceMatcher, RefusedSchema, type SchemaEngine } from './engine.ts';
import { encodedVocabulary, EOS_IDS, QWEN_LOGITS } from './qwen-tokenizer.ts';

const require = createRequire(import.meta.url);

/** The package is a UMD bundle in a "type": "module" package, so Node's loaders refuse it
 * (import sees no exports, require sees ESM); run it as the CommonJS it is. */
function loadXgrammar(): typeof Xgrammar {
  const path = require.resolve('@mlc-ai/web-xgrammar');
  const module = { exports: {} };
  new Function('exports', 'module', 'require', '__filename', readFileSync(path, 'utf8'))(module.exports, module, require, path);
  return module.exports as typeof Xgrammar;
}

export async function xgrammarEngine(): Promise<SchemaEngine> {
  const xgr = loadXgrammar();
  const info = await xgr.TokenizerInfo.createTokenizerInfo(encodedVocabulary(), 'byte_level', false, QWEN_LOGITS, EOS_IDS);
  // No cache: every schema is compiled, as MaskBench times it.
  const compiler = await xgr.GrammarCompiler.createGrammarCompiler(info, false);
  return {
    name: 'xgrammar',
    async compile(schema) {
      // Its refusals are C++ checks that abort the WASM call (logged as [FATAL]): any throw here is one.
      const grammar = await compiler.compileJSONSchema(JSON.stringify(schema), false, -1, [', ', ': '], false).catch((error: unknown) => {
        throw new RefusedSchema(String(error));
      });
      return {
        async start() {
          return new XgrammarMatcher(await xgr.GrammarMatcher.createGrammarMatcher(grammar));
        },
        dispose: () => grammar.dispose(),
      } satisfies CompiledSchema;
    },
  };
}

class XgrammarMatcher implements InstanceMatcher {
  readonly #matcher: Xgrammar.GrammarMatcher;
  #mask: Int32Array = new Int32Array(0);

  constructor(matcher: Xgrammar.GrammarMatcher) {
    this.#matcher = matcher;
  }

  async computeMask(): Promise<void> {
    this.#mask = await this.#matcher.getNextTokenBitmask();
  }

  commit(token: number): boolean {
    return ((this.#mask[token >>> 5]! >>> (token & 31)) & 1) === 1 && this.#matcher.acceptToken(token);
  }

  canEnd(): boolean {
    return this.#matcher.acceptToken(EOS_IDS[0]!) && this.#matcher.isTerminated();
  }

  dispose(): void {
    this.#matcher.dispose();
  }
}
