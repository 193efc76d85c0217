// A catalog model's display name: "Qwen2.5 1.5B Instruct", in the UI language.
import type { CatalogModel } from '../../catalog/models.ts';
import type { MessageKey } from '../../i18n/en.ts';

const FAMILY = {
  instruct: 'family.instruct',
  base: 'family.base',
  coderInstruct: 'family.coderInstruct',
  coderBase: 'family.coderBase',
} as const satisfies Record<CatalogModel['family'], MessageKey>;

export function modelName(model: CatalogModel, t: (key: MessageKey) => string): string {
  return `Qwen2.5 ${model.size} ${t(FAMILY[model.family])}${model.gqa ? ` (${t('family.gqa')})` : ''}`;
}
