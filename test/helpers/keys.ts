// Key-shaped test values, assembled at run time so no key-like literal sits in the repository.
const fill = (n: number, seed = 'Ab3') => seed.repeat(Math.ceil(n / seed.length)).slice(0, n);

export const KEYS = {
  openai: `sk-${fill(48)}`,
  openaiProject: `sk-proj-${fill(60, 'x_Y-9')}`,
  anthropic: `sk-ant-api03-${fill(80, 'Qw-_1')}`,
  google: `AIza${fill(35, 'Sy0_-')}`,
};
