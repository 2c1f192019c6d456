// A handful of VS Code theme colours (from the Dark Modern and Light Modern themes, plus the defaults they
// inherit), set as the --vscode-* variables VS Code gives a webview, so the test page looks like the editor's.
export interface Theme { bodyClass: 'vscode-dark' | 'vscode-light' | 'vscode-high-contrast'; colors: Record<string, string> }

const common = {
  'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  'font-size': '13px',
  'font-weight': 'normal',
  'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
  'editor-font-size': '13px',
};

export const DARK_MODERN: Theme = {
  bodyClass: 'vscode-dark',
  colors: {
    ...common,
    'foreground': '#CCCCCC', 'descriptionForeground': '#9D9D9D', 'errorForeground': '#F85149', 'focusBorder': '#0078D4',
    'icon-foreground': '#CCCCCC', 'widget-border': '#313131',
    'editor-background': '#1F1F1F', 'editor-foreground': '#CCCCCC', 'editorWidget-background': '#202020',
    'editor-findMatchHighlightBackground': '#EA5C0055', 'editor-findRangeHighlightBackground': '#3A3D4166',
    'editorWarning-foreground': '#CCA700',
    'sideBar-background': '#181818', 'sideBar-border': '#2B2B2B', 'panel-border': '#2B2B2B',
    'input-background': '#313131', 'input-border': '#3C3C3C', 'input-foreground': '#CCCCCC', 'input-placeholderForeground': '#989898',
    'inputOption-activeBackground': '#2489DB82', 'inputOption-activeBorder': '#2488DB',
    'dropdown-background': '#313131', 'dropdown-border': '#3C3C3C', 'dropdown-foreground': '#CCCCCC',
    'button-background': '#0078D4', 'button-foreground': '#FFFFFF', 'button-hoverBackground': '#026EC1', 'button-border': '#FFFFFF12',
    'badge-background': '#616161', 'badge-foreground': '#F8F8F8',
    'list-hoverBackground': '#2A2D2E', 'list-inactiveSelectionBackground': '#37373D', 'list-focusOutline': '#0078D4',
    'textLink-foreground': '#4DAAFC', 'textLink-activeForeground': '#4DAAFC',
    'textCodeBlock-background': '#2B2B2B', 'textBlockQuote-background': '#2B2B2B', 'textBlockQuote-border': '#616161',
    'textPreformat-background': '#3C3C3C', 'textPreformat-foreground': '#D0D0D0',
    'toolbar-hoverBackground': '#5A5D5E50',
    'inputValidation-errorBackground': '#5A1D1D', 'inputValidation-errorBorder': '#BE1100',
    'inputValidation-warningBackground': '#352A05', 'inputValidation-warningBorder': '#B89500',
    'charts-blue': '#3794FF', 'charts-green': '#89D185', 'charts-orange': '#D18616', 'charts-purple': '#B180D7',
    'tree-indentGuidesStroke': '#585858', 'symbolIcon-fieldForeground': '#75BEFF',
  },
};

export const LIGHT_MODERN: Theme = {
  bodyClass: 'vscode-light',
  colors: {
    ...common,
    'foreground': '#3B3B3B', 'descriptionForeground': '#3B3B3B', 'errorForeground': '#F85149', 'focusBorder': '#005FB8',
    'icon-foreground': '#3B3B3B', 'widget-border': '#E5E5E5',
    'editor-background': '#FFFFFF', 'editor-foreground': '#3B3B3B', 'editorWidget-background': '#F8F8F8',
    'editor-findMatchHighlightBackground': '#EA5C0055', 'editor-findRangeHighlightBackground': '#B4B4B44D',
    'editorWarning-foreground': '#BF8803',
    'sideBar-background': '#F8F8F8', 'sideBar-border': '#E5E5E5', 'panel-border': '#E5E5E5',
    'input-background': '#FFFFFF', 'input-border': '#CECECE', 'input-foreground': '#3B3B3B', 'input-placeholderForeground': '#767676',
    'inputOption-activeBackground': '#BED6ED', 'inputOption-activeBorder': '#005FB8',
    'dropdown-background': '#FFFFFF', 'dropdown-border': '#CECECE', 'dropdown-foreground': '#3B3B3B',
    'button-background': '#005FB8', 'button-foreground': '#FFFFFF', 'button-hoverBackground': '#0258A8', 'button-border': '#0000001A',
    'badge-background': '#CCCCCC', 'badge-foreground': '#3B3B3B',
    'list-hoverBackground': '#F2F2F2', 'list-inactiveSelectionBackground': '#E4E6F1', 'list-focusOutline': '#005FB8',
    'textLink-foreground': '#005FB8', 'textLink-activeForeground': '#005FB8',
    'textCodeBlock-background': '#F8F8F8', 'textBlockQuote-background': '#F8F8F8', 'textBlockQuote-border': '#E5E5E5',
    'textPreformat-background': '#0000001F', 'textPreformat-foreground': '#3B3B3B',
    'toolbar-hoverBackground': '#B8B8B850',
    'inputValidation-errorBackground': '#F2DEDE', 'inputValidation-errorBorder': '#BE1100',
    'inputValidation-warningBackground': '#F6F5D2', 'inputValidation-warningBorder': '#B89500',
    'charts-blue': '#1A85FF', 'charts-green': '#388A34', 'charts-orange': '#D18616', 'charts-purple': '#652D90',
    'tree-indentGuidesStroke': '#A9A9A9', 'symbolIcon-fieldForeground': '#007ACC',
  },
};

/** Dark High Contrast: black, white text, orange focus and borders everywhere. */
export const HIGH_CONTRAST: Theme = {
  bodyClass: 'vscode-high-contrast',
  colors: {
    ...common,
    'foreground': '#FFFFFF', 'descriptionForeground': '#FFFFFF', 'errorForeground': '#F48771', 'focusBorder': '#F38518',
    'contrastBorder': '#6FC3DF', 'contrastActiveBorder': '#F38518', 'icon-foreground': '#FFFFFF', 'widget-border': '#6FC3DF',
    'editor-background': '#000000', 'editor-foreground': '#FFFFFF', 'editorWidget-background': '#0C141F',
    'editor-findMatchHighlightBackground': '#00000000', 'editorWarning-foreground': '#FFD370',
    'sideBar-background': '#000000', 'sideBar-border': '#6FC3DF', 'panel-border': '#6FC3DF',
    'input-background': '#000000', 'input-border': '#6FC3DF', 'input-foreground': '#FFFFFF', 'input-placeholderForeground': '#FFFFFFB3',
    'inputOption-activeBackground': '#00000000', 'inputOption-activeBorder': '#6FC3DF',
    'dropdown-background': '#000000', 'dropdown-border': '#6FC3DF', 'dropdown-foreground': '#FFFFFF',
    'button-background': '#000000', 'button-foreground': '#FFFFFF', 'button-border': '#6FC3DF',
    'badge-background': '#000000', 'badge-foreground': '#FFFFFF',
    'list-hoverBackground': '#00000000', 'list-inactiveSelectionBackground': '#00000000', 'list-focusOutline': '#F38518',
    'textLink-foreground': '#21A6FF', 'textLink-activeForeground': '#21A6FF',
    'textCodeBlock-background': '#000000', 'textBlockQuote-background': '#000000', 'textBlockQuote-border': '#FFFFFF',
    'textPreformat-foreground': '#FFFF00',
    'charts-blue': '#3794FF', 'charts-green': '#89D185', 'charts-orange': '#D18616', 'charts-purple': '#B180D7',
    'inputValidation-errorBackground': '#000000', 'inputValidation-errorBorder': '#F48771',
    'inputValidation-warningBackground': '#000000', 'inputValidation-warningBorder': '#FFD370',
  },
};
