// Light, dark, or the system's, kept in localStorage and applied as html[data-theme].
import { readSetting, writeSetting } from '../services/settings-store.ts';

export type Theme = 'system' | 'light' | 'dark';

function apply(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = theme;
}

class ThemeSetting {
  #current = $state<Theme>(readSetting('theme', isTheme, 'system'));

  constructor() {
    apply(this.#current);
  }

  get current(): Theme {
    return this.#current;
  }

  set(theme: Theme): void {
    this.#current = theme;
    writeSetting('theme', theme);
    apply(theme);
  }
}

function isTheme(value: unknown): value is Theme {
  return value === 'system' || value === 'light' || value === 'dark';
}

export const theme = new ThemeSetting();
