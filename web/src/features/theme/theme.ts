// Light and dark themes: the system preference by default, or the user's explicit choice.
import { useSyncExternalStore } from 'react';
import { createStore } from '../../lib/store';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'messenger.theme';

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

const theme = createStore<ThemeChoice>(stored());

export function applyTheme(choice: ThemeChoice = theme.get()) {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
}

export function systemPrefersDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

export function setTheme(choice: ThemeChoice) {
  theme.set(choice);
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // private mode: the choice lasts for this page only
  }
  applyTheme(choice);
}

export function useTheme(): ThemeChoice {
  return useSyncExternalStore(theme.subscribe, theme.get);
}
