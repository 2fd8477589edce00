declare module 'proxy-from-env' {
  /** The proxy URL for `url` per HTTP_PROXY / HTTPS_PROXY / NO_PROXY (any case), or '' for none. */
  export function getProxyForUrl(url: string | URL): string;
}
