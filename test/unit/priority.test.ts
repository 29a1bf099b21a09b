import { BACKGROUND_MAX_WAIT_MS, PriorityGate, inBackground, isBackground } from '../../services/platform/db/priority';

/** Takes the gate in `lane`, records the order of taking, and holds it until the returned release is called. */
function taker(gate: PriorityGate, order: string[]) {
  return (name: string, lane: 'foreground' | 'background') => {
    const take = () => gate.acquire().then((release) => {
      order.push(name);
      return release;
    });
    return lane === 'background' ? inBackground(take) : take();
  };
}

describe('background work', () => {
  it('is marked for everything it starts, and only there', async () => {
    expect(isBackground()).toBe(false);
    const seen = await inBackground(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return isBackground();
    });
    expect(seen).toBe(true);
    expect(isBackground()).toBe(false);
  });
});

describe('PriorityGate', () => {
  it('hands the connection to a waiting turn before waiting background work', async () => {
    const gate = new PriorityGate();
    const order: string[] = [];
    const take = taker(gate, order);
    const first = await take('first', 'foreground');
    const job = take('job', 'background');
    const turn = take('turn', 'foreground');
    first();
    (await turn)();
    (await job)();
    expect(order).toEqual(['first', 'turn', 'job']);
  });

  it('gives overdue background work every other hand-over, so a stream of turns cannot stall it', async () => {
    const gate = new PriorityGate();
    const order: string[] = [];
    const take = taker(gate, order);
    const first = await take('first', 'foreground');
    const waiting = new Map([
      ['job 1', take('job 1', 'background')],
      ['job 2', take('job 2', 'background')],
      ['turn 1', take('turn 1', 'foreground')],
      ['turn 2', take('turn 2', 'foreground')],
      ['turn 3', take('turn 3', 'foreground')],
    ]);
    await new Promise((resolve) => setTimeout(resolve, BACKGROUND_MAX_WAIT_MS + 5));
    first();
    // Each holder releases as soon as it has the gate, whoever the gate chose.
    while (order.length < 6) {
      await new Promise((resolve) => setImmediate(resolve));
      (await waiting.get(order.at(-1)!)!)();
    }
    expect(order).toEqual(['first', 'job 1', 'turn 1', 'job 2', 'turn 2', 'turn 3']);
  });

  it('is free again once every holder has released, and a second release does nothing', async () => {
    const gate = new PriorityGate();
    const release = await gate.acquire();
    release();
    release();
    const again = await Promise.race([gate.acquire().then(() => 'taken'), new Promise((resolve) => setTimeout(() => resolve('blocked'), 20))]);
    expect(again).toBe('taken');
  });
});
