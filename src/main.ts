// Entry point: global styles, the Service Worker and the /v1 API host, then the app in #app.
import { mount } from 'svelte';
import App from './App.svelte';
import { EMBED_MODE, EMBED_ORIGINS } from './lib/config/embed.ts';
import { startApiHost } from './lib/api/api-host.ts';
import { startEmbedLoad } from './lib/state/embed-load.ts';
import { pwa } from './lib/state/pwa.svelte.ts';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// Embedded there is no model picker: load the chosen model (a download once the user agrees).
// Before the API host starts, so an embedding page's first request waits for this load.
if (EMBED_MODE) startEmbedLoad();
startApiHost(EMBED_ORIGINS);
pwa.start();
mount(App, { target });
