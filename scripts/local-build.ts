// The app built for a script that serves models from a stand-in hub on localhost (benches, the
// large-model check): its Content-Security-Policy must let the page connect there, as
// playwright.config.ts does for the tests; a deployer's own VITE_CONNECT_SRC is kept.
export function allowLocalHubs(): void {
  process.env['VITE_CONNECT_SRC'] = [process.env['VITE_CONNECT_SRC'], 'http://localhost:*'].filter(Boolean).join(' ');
}
