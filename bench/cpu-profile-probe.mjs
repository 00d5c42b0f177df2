// Preloaded into the service for --profile (`node --import bench/cpu-profile-probe.mjs ...`):
// a CPU profile of the measured load only. `node --cpu-prof` would also profile start-up
// and the warm-up, whose module loading and compilation crowd the top of the list. The
// first SIGUSR2 starts V8's sampling profiler, the second stops it and writes the profile
// (the .cpuprofile format of Chrome DevTools) to $BENCH_CPU_PROFILE_FILE.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const file = process.env.BENCH_CPU_PROFILE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', async () => {
    if (!running) {
      running = true;
      await session.post('Profiler.enable');
      // 1 ms between samples, as --cpu-prof's default.
      await session.post('Profiler.setSamplingInterval', { interval: 1000 });
      await session.post('Profiler.start');
      return;
    }
    const { profile } = await session.post('Profiler.stop');
    running = false;
    // Written aside and renamed: the benchmark never reads half a file.
    writeFileSync(`${file}.partial`, JSON.stringify(profile));
    renameSync(`${file}.partial`, file);
  });
}
