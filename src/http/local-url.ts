/** Where a person on this machine reaches a server listening on host:port (0.0.0.0 and :: are not addresses a browser opens). */
export function localUrl(host: string, port: number): string {
  const everywhere = host === '' || host === '0.0.0.0' || host === '::';
  const name = everywhere ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}
