"use strict";

import powerbi from "powerbi-visuals-api";
import { FormattingSettingsService, formattingSettings } from "powerbi-visuals-utils-formattingmodel";
import "./../style/visual.less";

import IVisual = powerbi.extensibility.visual.IVisual;
import VisualConstructorOptions = powerbi.extensibility.visual.VisualConstructorOptions;
import VisualUpdateOptions = powerbi.extensibility.visual.VisualUpdateOptions;
import IVisualHost = powerbi.extensibility.visual.IVisualHost;

class ViewCard extends formattingSettings.SimpleCard {
    showCount = new formattingSettings.ToggleSwitch({ name: "showCount", displayName: "Show row count", value: true });
    name = "view";
    displayName = "View";
    slices = [this.showCount];
}

class Settings extends formattingSettings.Model {
    view = new ViewCard();
    cards = [this.view];
}

/** Placeholder until the timeline/heatmap visual lands: it counts the rows it receives. */
export class Visual implements IVisual {
    private readonly host: IVisualHost;
    private readonly root: HTMLElement;
    private readonly formatting = new FormattingSettingsService();
    private settings = new Settings();

    constructor(options: VisualConstructorOptions) {
        this.host = options.host;
        this.root = document.createElement("div");
        this.root.className = "padlens-root";
        options.element.appendChild(this.root);
    }

    public update(options: VisualUpdateOptions): void {
        this.host.eventService.renderingStarted(options);
        const dataView = options.dataViews?.[0];
        this.settings = this.formatting.populateFormattingSettingsModel(Settings, dataView);
        const rows = dataView?.table?.rows?.length ?? 0;
        this.root.textContent = this.settings.view.showCount.value ? `padlens: ${rows} action rows` : "padlens";
        this.host.eventService.renderingFinished(options);
    }

    public getFormattingModel(): powerbi.visuals.FormattingModel {
        return this.formatting.buildFormattingModel(this.settings);
    }
}
