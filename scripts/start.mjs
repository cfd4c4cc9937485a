#!/usr/bin/env node
import { pathToFileURL } from 'node:url'
// `npm start`: brings the host and the wallet up to date (scripts/build-runtime.mjs: nothing to do,
// and no compiler loaded, when nothing changed), then runs the host in this same process, from
// its one-file bundle. One Node.js process instead of two, and one module instead of ~600: a
// second `npm start` answers /healthz in about a second (bench/README.md, "Starting the host").
import { buildRuntime, SERVER_BUNDLE } from './build-runtime.mjs'

buildRuntime({ projects: ['packages/server'], wallet: true, serverBundle: true })
await import(pathToFileURL(SERVER_BUNDLE).href)
