// Runs in the preview page: a minimal stand-in for the Power BI host, enough for the visual to render
// outside Power BI. It records what the visual asks of the host so a page (or a test) can inspect it.
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
        var calls = { select: 0, contextMenu: 0, tooltipShow: 0, renderingFinished: 0, renderingFailed: 0 };
        var selected = [];
        var host = {
            calls: calls,
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
                        calls.select++;
                        var list = Array.isArray(ids) ? ids : [ids];
                        selected = multi ? selected.concat(list) : list;
                        return Promise.resolve(selected);
                    },
                    clear: function () { selected = []; return Promise.resolve(); },
                    getSelectionIds: function () { return selected; },
                    hasSelection: function () { return selected.length > 0; },
                    showContextMenu: function () { calls.contextMenu++; return Promise.resolve(); },
                    registerOnSelectCallback: function (cb) { callback = cb; },
                    toggleExpandCollapse: function () { return Promise.resolve(); },
                };
            },
            tooltipService: {
                enabled: function () { return true; },
                show: function () { calls.tooltipShow++; },
                move: function () {},
                hide: function () {},
            },
            eventService: {
                renderingStarted: function () {},
                renderingFinished: function () { calls.renderingFinished++; },
                renderingFailed: function (_o, reason) { calls.renderingFailed++; console.error("renderingFailed: " + reason); },
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
