// Runs in a page: a minimal stand-in for the Power BI host, enough for the visual to render outside
// Power BI (the demo's preview, the browser test). It records what the visual asks of the host in
// host.events ("started", "finished", "failed:<reason>"), host.selections ({n, multi}) and
// host.tooltips (the data items shown), so a page or a test can inspect it.
(function () {
    "use strict";
    window.powerbi = window.powerbi || { visuals: { plugins: {} } };
    function selectionId(key) {
        return {
            key: key,
            getKey: function () { return key; },
            getSelector: function () { return { data: [key] }; },
            getSelectorsByColumn: function () { return {}; },
            equals: function (other) { return !!other && other.key === key; },
            includes: function (other) { return !!other && other.key === key; },
            hasIdentity: function () { return true; },
        };
    }
    function selectionIdBuilder() {
        var parts = [];
        var builder = {
            withTable: function (_table, row) { parts.push("row:" + row); return builder; },
            withCategory: function (_c, i) { parts.push("cat:" + i); return builder; },
            withMeasure: function (m) { parts.push("measure:" + m); return builder; },
            withSeries: function () { return builder; },
            withMatrixNode: function () { return builder; },
            createSelectionId: function () { return selectionId(parts.join("|")); },
        };
        return builder;
    }
    window.padlensFakeHost = function (locale) {
        var events = [];
        var selections = [];
        var tooltips = [];
        var contextMenus = 0;
        var selected = [];
        var host = {
            events: events,
            selections: selections,
            tooltips: tooltips,
            contextMenus: function () { return contextMenus; },
            locale: locale || "en-US",
            hostCapabilities: { allowInteractions: true },
            colorPalette: {
                isHighContrast: false,
                foreground: { value: "#252423" }, background: { value: "#ffffff" },
                foregroundSelected: { value: "#252423" }, hyperlink: { value: "#0078d4" },
                getColor: function () { return { value: "#118dff" }; },
                reset: function () {},
            },
            createSelectionIdBuilder: selectionIdBuilder,
            createSelectionManager: function () {
                var callback = null;
                return {
                    select: function (ids, multi) {
                        var list = Array.isArray(ids) ? ids : [ids];
                        selections.push({ n: list.length, multi: !!multi });
                        selected = multi ? selected.concat(list) : list;
                        return Promise.resolve(selected);
                    },
                    clear: function () { selected = []; return Promise.resolve(); },
                    getSelectionIds: function () { return selected; },
                    hasSelection: function () { return selected.length > 0; },
                    showContextMenu: function () { contextMenus++; return Promise.resolve(); },
                    registerOnSelectCallback: function (cb) { callback = cb; },
                    toggleExpandCollapse: function () { return Promise.resolve(); },
                };
            },
            tooltipService: {
                enabled: function () { return true; },
                show: function (o) { tooltips.push(o && o.dataItems); },
                move: function () {},
                hide: function () {},
            },
            eventService: {
                renderingStarted: function () { events.push("started"); },
                renderingFinished: function () { events.push("finished"); },
                renderingFailed: function (_o, reason) { events.push("failed:" + reason); },
            },
            createLocalizationManager: function () { return { getDisplayName: function (key) { return key; } }; },
            fetchMoreData: function () { return false; },
            persistProperties: function () {},
            applyJsonFilter: function () {},
            displayWarningIcon: function () {},
            launchUrl: function () {},
            refreshHostData: function () {},
            downloadService: { exportVisualsContent: function () { return Promise.resolve(); } },
        };
        return host;
    };
})();
