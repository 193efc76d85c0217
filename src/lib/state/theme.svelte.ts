// Light, dark, or the system's, kept in localStorage and applied as html[data-theme].
export type Theme = 'system' | 'light' | 'dark';

const KEY = 'qwen-local.theme';

function apply(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = theme;
}

class ThemeSetting {
  current = $state<Theme>(readTheme());

  constructor() {
    apply(this.current);
  }

  set(theme: Theme): void {
    this.current = theme;
    localStorage.setItem(KEY, theme);
    apply(theme);
  }
}

function readTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

export const theme = new ThemeSetting();
