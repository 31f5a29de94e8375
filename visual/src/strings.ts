import powerbi from "powerbi-visuals-api";
import { defaultStrings } from "./defaultStrings";

import ILocalizationManager = powerbi.extensibility.ILocalizationManager;

export type StringKey = keyof typeof defaultStrings;

/** Looks up a localised string; falls back to English when the host has no translation. */
export class Strings {
    constructor(private readonly manager: ILocalizationManager | undefined) {}

    get(key: StringKey, ...args: (string | number)[]): string {
        let s = this.manager?.getDisplayName(key);
        if (!s || s === key) s = defaultStrings[key];
        return args.reduce<string>((acc, a, i) => acc.split(`{${i}}`).join(String(a)), s);
    }
}
