import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Log } from '@import-jobs/application/shared/log';
import { supervise, type RunningTask, type SupervisedTask } from '@import-jobs/application/shared/supervise';

/**
 * The long-running tasks of a module, started once the app is wired and stopped first on
 * shutdown, so that no task uses a connection the infrastructure module is closing.
 */
export abstract class BackgroundTasks implements OnApplicationBootstrap, OnApplicationShutdown {
  private running: SupervisedTask[] = [];

  protected constructor(protected readonly log: Log) {}

  protected abstract tasks(): ReadonlyArray<readonly [name: string, start: () => Promise<RunningTask> | RunningTask]>;

  onApplicationBootstrap(): void {
    this.running = this.tasks().map(([name, start]) => supervise(name, start, this.log));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.running.map((task) => task.stop()));
    this.running = [];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
  }
}
