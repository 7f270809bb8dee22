// One Mantine theme for the whole portal. Colours are chosen for WCAG AA contrast (4.5:1) on white and on
// the tinted backgrounds of the "light" variant: filled variants use shade 8, light-variant text uses the
// darker tones below (Mantine's default shade 6 text on a 10 % tint is about 3:1), and "dimmed" text is gray 7.

import { type CSSVariablesResolver, createTheme } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 8, dark: 6 },
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  defaultRadius: 'sm',
  headings: { fontWeight: '650' },
  focusRing: 'auto',
  components: {
    Badge: { defaultProps: { radius: 'sm' } },
    Table: { defaultProps: { verticalSpacing: 'xs', highlightOnHover: true } },
    Tooltip: { defaultProps: { withArrow: true } },
  },
});

/** Text colours of the light variant (badges, active navigation, avatars, alerts): ≥ 5:1 on their tint. */
const LIGHT_TEXT: Record<string, string> = {
  blue: '#1864ab',
  green: '#1e6b30',
  red: '#b02525',
  yellow: '#7a4300',
  orange: '#8a3c00',
  gray: '#495057',
  grape: '#862e9c',
  dark: '#25262b',
};

export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': t.colors.gray[7] ?? '#495057',
    // Placeholders are text too: 4.8:1 on white.
    '--mantine-color-placeholder': '#6a7178',
    ...Object.fromEntries(
      Object.entries(LIGHT_TEXT).map(([color, text]) => [`--mantine-color-${color}-light-color`, text]),
    ),
    // Text on "outline" and "subtle" buttons and anchors in the primary colour.
    '--mantine-color-anchor': '#1864ab',
  },
  dark: {},
});
