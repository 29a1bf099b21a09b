import { z } from 'zod';

/** The background jobs of a service's lifecycle; bot/background.ts maps each kind to its handler. */
export const ActivationJobs = {
  sendEmail: 'activation.sendEmail',
  submitPorting: 'activation.submitPorting',
  resumePorting: 'activation.resumePorting',
  scheduledStart: 'activation.scheduledStart',
  provision: 'activation.provision',
  complete: 'activation.complete',
  startAll: 'activation.startAll',
  deadlines: 'lifecycle.deadlines',
} as const;

/** A bulk operation's one message to its administrator (the notifier's digest): its key and how many services it has. */
export const digestSchema = z.object({ key: z.string().min(1).max(200), total: z.number().int().positive() });
export type Digest = z.infer<typeof digestSchema>;

export const sendEmailJobSchema = z.object({ serviceId: z.uuid(), linkId: z.uuid(), digest: digestSchema.optional() });
export const portingJobSchema = z.object({ requestId: z.uuid() });
export const scheduledStartJobSchema = z.object({ actorId: z.uuid(), serviceIds: z.array(z.uuid()).min(1).max(500) });
/** The services waiting when "Start all" was pressed; `requestKey` names the press, so a double click queues one job. */
export const startAllJobSchema = z.object({ actorId: z.uuid(), requestKey: z.string().min(1).max(64), serviceIds: z.array(z.uuid()).min(1).max(20_000) });
export const serviceJobSchema = z.object({ serviceId: z.uuid() });
