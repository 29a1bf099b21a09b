import crypto from 'node:crypto';
import os from 'node:os';
import { provisionJob, resumePortingJob, scheduledStartJob, startAllJob, submitPortingJob } from '../services/lifecycle/activationJobs';
import { ActivationJobs } from '../services/lifecycle/jobs';
import { activationEmailJob } from '../services/notifications/activationEmail';
import { composeSignInEmail, emailComposer } from '../dialogs/emails';
import { SignInJobs, signInLinkJob } from '../services/people/signInLinks';
import { WebSessionJobs, removeEndedSessionsJob, scheduleSessionRemoval } from '../services/people/webSessions';
import { BulkImportJobs, bulkImportJob } from '../services/bulkImport/creation';
import type { Database } from '../services/platform/db/database';
import { donorJobHandlers, simulatedDonors } from '../services/simulators/donor';
import { JobWorker, type JobHandler } from '../services/platform/jobQueue';
import { describeError } from '../services/platform/retry';
import { createMailer, type Mailer } from '../services/notifications/mail';
import { completeJob, esimInstalledJob, simulatedProvisioning, SimulatorJobs } from '../services/simulators/provisioning';
import { EsimJobs, releaseEsimJob, revokeEsimJob } from '../services/simCards/esimJobs';
import type { Config } from './config';
import type { Logger } from './logger';

export interface BackgroundDeps {
  db: Database;
  config: Config;
  logger: Logger;
  /** Base of the links in emails: the configured public URL, or the port actually taken. */
  publicUrl: string;
  mailer?: Mailer;
  /** Where the activation link goes when there is no SMTP server; the console by default. */
  announce?: (line: string) => void;
}

/**
 * Every background job kind and its handler: a feature adds its own entries here. The donor operators and the
 * provisioning backend the domain talks to are wired in here: the simulators, whose own jobs run here too.
 */
export function jobHandlers(deps: BackgroundDeps): Record<string, JobHandler<unknown>> {
  const { db, config } = deps;
  const mailer = deps.mailer ?? createMailer(config.mail);
  const donors = simulatedDonors(config.clockSpeed);
  const provisioning = simulatedProvisioning(db.prisma, config.clockSpeed);
  return {
    [ActivationJobs.sendEmail]: activationEmailJob({ db: db.prisma, mailer, composer: emailComposer, publicUrl: deps.publicUrl, announce: deps.announce }),
    [ActivationJobs.submitPorting]: submitPortingJob(db.prisma, donors),
    [ActivationJobs.resumePorting]: resumePortingJob(db.prisma, donors),
    [ActivationJobs.scheduledStart]: scheduledStartJob(db.prisma, config.activationLinkDays),
    [ActivationJobs.startAll]: startAllJob(db.prisma, config.activationLinkDays),
    [ActivationJobs.provision]: provisionJob(db.prisma, provisioning),
    [ActivationJobs.complete]: completeJob(db.prisma),
    [EsimJobs.release]: releaseEsimJob(db.prisma, provisioning),
    [EsimJobs.revoke]: revokeEsimJob(db.prisma, provisioning),
    [SimulatorJobs.esimInstalled]: esimInstalledJob(db.prisma),
    ...donorJobHandlers(db.prisma, config.clockSpeed),
    [BulkImportJobs.create]: bulkImportJob(db.prisma),
    [SignInJobs.sendLink]: signInLinkJob({ db: db.prisma, mailer, compose: composeSignInEmail, publicUrl: deps.publicUrl, announce: deps.announce }),
    [WebSessionJobs.removeEnded]: removeEndedSessionsJob(db.prisma),
  };
}

export interface Background {
  stop(): Promise<void>;
}

/** Starts this process's job worker; with a shared PostgreSQL server, each job still runs once across processes. */
export async function startBackground(deps: BackgroundDeps): Promise<Background> {
  const worker = new JobWorker({
    db: deps.db.prisma,
    workerId: `${os.hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`,
    handlers: jobHandlers(deps),
    logger: deps.logger,
  });
  worker.start();
  // The hourly removal of ended web chat sessions: queued once per hour whichever process starts, then by each run;
  // queued before the bot answers, so that what the bot is asked does not race with it.
  await scheduleSessionRemoval(deps.db.prisma).catch((error: unknown) => deps.logger.error({ error: describeError(error) }, 'web session removal not scheduled'));
  return { stop: () => worker.stop() };
}
