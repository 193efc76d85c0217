// A catalog model's display name, "Qwen2.5 1.5B Instruct · GPTQ-Int4 by Qwen", and what runs
// (the release, or what a stored model was converted from), in the UI language.
import type { ConvertedFrom } from '../../../../workers/protocol/messages.ts';
import type { CatalogModel } from '../../catalog/models.ts';
import type { MessageKey } from '../../i18n/en.ts';

const FAMILY = {
  instruct: 'family.instruct',
  base: 'family.base',
  coderInstruct: 'family.coderInstruct',
  coderBase: 'family.coderBase',
} as const satisfies Record<CatalogModel['family'], MessageKey>;

export function modelName(model: CatalogModel, t: (key: MessageKey) => string): string {
  return `Qwen2.5 ${model.size} ${t(FAMILY[model.family])}${model.gqa ? ` (${t('family.gqa')})` : ''} · ${t(RELEASE[model.release])}`;
}

const RELEASE = {
  gptq: 'release.gptq',
  awq: 'release.awq',
  bf16: 'release.bf16',
  float: 'release.bf16',
  onnx: 'release.onnx',
} as const satisfies Record<CatalogModel['release'] | ConvertedFrom, MessageKey>;

/** What a loaded model runs: the release its ONNX was converted from, or an ONNX export. */
export function runsLabel(converted: ConvertedFrom | null, t: (key: MessageKey) => string): string {
  return t(RELEASE[converted ?? 'onnx']);
}
