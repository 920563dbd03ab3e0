import { MoonIcon, SunIcon } from '../../components/Icons';
import { setTheme, systemPrefersDark, useTheme } from './theme';

/** Switches between light and dark; the first click flips whatever the system shows. */
export function ThemeToggle() {
  const choice = useTheme();
  const dark = choice === 'dark' || (choice === 'system' && systemPrefersDark());
  return (
    <button
      type="button"
      className="icon-button"
      aria-label={dark ? 'Switch to light theme' : 'Switch to dark theme'}
      title={dark ? 'Light theme' : 'Dark theme'}
      onClick={() => setTheme(dark ? 'light' : 'dark')}
    >
      {dark ? <SunIcon /> : <MoonIcon />}
    </button>
  );
}
