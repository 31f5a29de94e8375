/**
 * The demo's progress display: one line per step with its elapsed time. On a TTY the current step shows
 * a live timer; otherwise (CI, pipes) each step prints once when it starts and once when it ends.
 */
export class Steps {
    private readonly tty: boolean;
    private timer: NodeJS.Timeout | undefined;
    private current: { title: string; started: number } | undefined;
    readonly total: number;
    private index = 0;

    constructor(total: number, private readonly stream: NodeJS.WriteStream = process.stderr) {
        this.total = total;
        this.tty = Boolean(stream.isTTY) && !process.env.CI;
    }

    async run<T>(title: string, work: () => Promise<T>, detail?: (result: T) => string): Promise<T> {
        this.index++;
        const prefix = `[${this.index}/${this.total}]`;
        this.current = { title: `${prefix} ${title}`, started: Date.now() };
        if (this.tty) {
            this.timer = setInterval(() => this.redraw(), 250);
            this.redraw();
        } else {
            this.stream.write(`${this.current.title} ...\n`);
        }
        try {
            const result = await work();
            this.finish("done", detail ? detail(result) : "");
            return result;
        } catch (error) {
            this.finish("FAILED", "");
            throw error;
        }
    }

    /** Lets a step's child process write its own lines without being overwritten by the timer. */
    pause(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        if (this.tty) this.stream.write("\n");
    }

    private redraw(): void {
        if (!this.current) return;
        const seconds = ((Date.now() - this.current.started) / 1000).toFixed(0);
        this.stream.write(`\r${this.current.title} ... ${seconds}s`);
    }

    private finish(outcome: string, detail: string): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        if (!this.current) return;
        const seconds = ((Date.now() - this.current.started) / 1000).toFixed(1);
        const line = `${this.current.title}: ${outcome} in ${seconds}s${detail ? ` (${detail})` : ""}`;
        this.stream.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
        this.current = undefined;
    }
}
