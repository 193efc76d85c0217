// The embed allowlist as a deployer writes it: the app's own origin always, then the listed ones.
import { describe, expect, it } from 'vitest';
import { embedOrigins } from '../../src/lib/utils/embed-origins.ts';

describe('embedOrigins', () => {
  it('is the own origin alone by default', () => {
    expect(embedOrigins(undefined, 'https://app.example')).toEqual(['https://app.example']);
    expect(embedOrigins('', 'https://app.example')).toEqual(['https://app.example']);
  });

  it('adds origins separated by spaces or commas, without trailing slashes', () => {
    expect(embedOrigins(' https://a.example/, https://b.example  http://localhost:8080', 'https://app.example')).toEqual([
      'https://app.example',
      'https://a.example',
      'https://b.example',
      'http://localhost:8080',
    ]);
  });
});
