/** @holdall/server: the Holdall reference host. `buildApp` never listens; the CLI does. */
export { type BuildAppOptions, buildApp } from './app.js'
export { type Clock, systemClock } from './clock.js'
export { configFromEnv, type ServerConfig } from './config.js'
