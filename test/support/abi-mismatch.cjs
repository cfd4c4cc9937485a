// Preloaded (node --require) by test/startup-errors.test.ts: makes every native addon fail to load
// exactly as Node reports an addon compiled for another Node.js version, through the real loader,
// so the test sees what a developer who switched Node versions would see.
const Module = require('node:module')

Module._extensions['.node'] = (module) => {
  const error = new Error(
    `The module '${module.id}'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION ${process.versions.modules}. Please try re-compiling or re-installing\nthe module (for instance, using \`npm rebuild\` or \`npm install\`).`,
  )
  error.code = 'ERR_DLOPEN_FAILED'
  throw error
}
