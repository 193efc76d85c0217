// Globals the app defines.
import type { EngineClient } from './lib/services/engine-client.ts';

declare global {
  interface Window {
    qwenLocal: { engine: EngineClient };
  }
}
