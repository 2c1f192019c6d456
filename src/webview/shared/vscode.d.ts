// What VS Code gives a webview's script (a stand-in provides the same in the Chromium tests).
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// Stylesheets imported for esbuild to bundle beside the script.
declare module '*.css' {}
