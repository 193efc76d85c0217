// Builds the processor list for one request: penalties first, temperature last (the order of
// transformers and vLLM), each left out when its setting would change nothing.
import type { SamplingParams } from '../../protocol/sampling-rules.ts';
import type { LogitsProcessor } from './logits-processor.ts';
import { PresenceFrequencyPenalty } from './presence-frequency-penalty.ts';
import { RepetitionPenalty } from './repetition-penalty.ts';
import { Temperature } from './temperature.ts';

export type { LogitsProcessor, TokenContext } from './logits-processor.ts';

export function buildLogitsProcessors(params: SamplingParams): LogitsProcessor[] {
  const processors: LogitsProcessor[] = [];
  if (params.repetition_penalty !== 1) processors.push(new RepetitionPenalty(params.repetition_penalty));
  if (params.presence_penalty !== 0 || params.frequency_penalty !== 0) {
    processors.push(new PresenceFrequencyPenalty(params.presence_penalty, params.frequency_penalty));
  }
  if (params.temperature !== 0 && params.temperature !== 1) processors.push(new Temperature(params.temperature));
  return processors;
}
