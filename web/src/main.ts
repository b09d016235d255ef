import { mount } from 'svelte'
import './app.css'
import App from './App.svelte'
import { startPwa } from './lib/pwa.svelte'

mount(App, { target: document.getElementById('app')! })

if ('serviceWorker' in navigator && import.meta.env.PROD) startPwa()
