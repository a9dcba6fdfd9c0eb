/** How long a saved file's object URL lives: the browser starts the download after the click returns. */
const KEEP_URL_MS = 60_000;

/** Saves `blob` as a file named `name`, as a link with `download` would. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  window.setTimeout(() => URL.revokeObjectURL(url), KEEP_URL_MS);
}
