// Saves text the page already holds (an update file, a public key) as a download, without a round trip.

export const downloadText = (fileName: string, text: string, type = 'text/plain'): void => {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
};

/** `update-<serial>-<firmCode>.tupd`: names that sort by container and stay unique per firm code. */
export const updateFileName = (serial: string, firmCode: number): string =>
  `update-${serial}-${firmCode}.tupd`;
