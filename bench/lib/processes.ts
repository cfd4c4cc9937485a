import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const repoRoot = join(import.meta.dirname, '..', '..')

/** A child process we started and can measure: CPU time and resident memory from /proc. */
export interface Measured {
  readonly child: ChildProcess
  readonly pid: number
  /** User + system CPU seconds used so far. */
  cpuSeconds(): number
  rssBytes(): number
  stop(): Promise<void>
}

const TICKS_PER_SECOND = 100

export function cpuSecondsOf(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, after the ")" of the name.
  // A process that has gone reads as NaN, so the table shows it instead of the run dying.
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return Number.NaN
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

export function rssBytesOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  return Number(kib) * 1024
}

/** Starts a process and resolves once a line of its output matches `ready`. */
export function startMeasured(
  command: string,
  args: readonly string[],
  options: { readonly env?: Record<string, string>; readonly ready: RegExp },
): Promise<Measured & { readonly match: RegExpExecArray }> {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (data: Buffer) => {
      output += data.toString()
      const match = options.ready.exec(output)
      if (match === null) return
      child.stdout?.off('data', onData)
      child.stdout?.resume()
      // After start-up a server should be silent: anything on stderr (a crash) is shown.
      child.stderr?.on('data', (data: Buffer) => process.stderr.write(`[${command} ${child.pid}] ${data}`))
      child.once('exit', (code, signal) =>
        process.stderr.write(`[${command} ${child.pid}] exited: ${code ?? signal}\n`),
      )
      const pid = child.pid as number
      resolve({
        child,
        pid,
        match,
        cpuSeconds: () => cpuSecondsOf(pid),
        rssBytes: () => rssBytesOf(pid),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once('exit', () => done())
            child.kill('SIGTERM')
          }),
      })
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (data: Buffer) => {
      output += data.toString()
    })
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited (${code}): ${output}`)))
  })
}

/** Runs the load generator in its own process and returns its result. */
export async function runLoadProcess(
  options: object,
  window: { readonly start: () => void; readonly end: () => void } = { start: () => {}, end: () => {} },
): Promise<LoadResultWithCpu> {
  const generator = await startMeasured(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'bench', 'lib', 'load-generator.ts'), JSON.stringify(options)],
    { ready: /measuring\n/ },
  )
  window.start()
  const before = generator.cpuSeconds()
  let output = ''
  generator.child.stdout?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const windowDone = new Promise<number>((resolve) => {
    const check = (d: Buffer) => {
      if (d.toString().includes('done')) {
        window.end()
        generator.child.stdout?.off('data', check)
        resolve(generator.cpuSeconds())
      }
    }
    generator.child.stdout?.on('data', check)
  })
  const after = await windowDone
  await new Promise<void>((resolve) => generator.child.once('exit', () => resolve()))
  const line = /result (.*)/.exec(output)?.[1]
  if (line === undefined) throw new Error(`the load generator printed no result: ${output}`)
  // A window with no requests has NaN latencies, which JSON carries as null: bring them back as
  // NaN so every caller's toFixed() prints "NaN" instead of throwing.
  const parsed = JSON.parse(line, (_key, value) => (value === null ? Number.NaN : value)) as LoadResult
  return { ...parsed, generatorCpuSeconds: after - before }
}

export interface LoadResult {
  readonly requests: number
  readonly ok: number
  readonly failed: number
  readonly seconds: number
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}
export interface LoadResultWithCpu extends LoadResult {
  readonly generatorCpuSeconds: number
}
