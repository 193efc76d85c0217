// The policy: scripts from this origin and WebAssembly only; connect-src the built-in model
// sources, this origin and the deployer's extras, and the matcher the app uses to warn early.
import { describe, expect, it } from 'vitest';
import { connectAllowed, connectSources, contentSecurityPolicy, parseSourceList } from '../../src/lib/config/csp.ts';

const ORIGIN = 'http://localhost:4173';

describe('contentSecurityPolicy', () => {
  it("allows scripts from 'self' and WebAssembly, never eval or inline scripts", () => {
    const policy = contentSecurityPolicy([]);
    expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(policy).not.toMatch(/'unsafe-eval'/);
    expect(policy.split('; ').find((d) => d.startsWith('script-src'))).not.toContain('unsafe-inline');
  });

  it('adds the deployer hosts to connect-src', () => {
    expect(contentSecurityPolicy(parseSourceList('http://gpu-box:8000, https://hub.example'))).toMatch(/connect-src [^;]* http:\/\/gpu-box:8000 https:\/\/hub\.example/);
  });
});

describe('connectAllowed', () => {
  const sources = connectSources(parseSourceList('http://gpu-box:8000'));
  it.each([
    ['https://huggingface.co/Qwen/x/resolve/main/config.json', true],
    ['https://cdn-lfs-us-1.hf.co/repos/x', true],
    ['https://hf-mirror.com/x', true],
    ['https://www.modelscope.cn/x', true],
    ['/models/x', true],
    [`${ORIGIN}/v1/models`, true],
    ['http://gpu-box:8000/v1/models', true],
    ['http://gpu-box:8001/v1/models', false],
    ['https://evil.example/x', false],
    ['https://huggingface.co.evil.example/x', false],
    ['http://huggingface.co/x', false],
  ])('%s: %s', (url, allowed) => {
    expect(connectAllowed(url, sources, ORIGIN)).toBe(allowed);
  });
});
