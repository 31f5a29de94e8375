/**
 * What the sample environments contain: PAD actions (display name, module.action system name,
 * typical duration), desktop-flow templates with their subflows, machine pools, error catalogue and
 * the three environment variants. Pure data; the generators turn it into rows and logs.
 */
import type { DocStyle, LogStatus, LogVersion } from "./model.js";

export type { DocStyle } from "./model.js";

export interface ActionKind {
    name: string;
    systemName: string;
    /** Median duration in ms on a machine of speed 1. */
    medianMs: number;
    sigma: number;
}

const A = (name: string, systemName: string, medianMs: number, sigma = 0.35): ActionKind => ({ name, systemName, medianMs, sigma });

export const ACTIONS = {
    log: A("Log message", "Logging.LogMessage", 40, 0.3),
    setVar: A("Set variable", "Variables.SetVariable", 4, 0.4),
    replaceText: A("Replace text", "Text.Replace", 6, 0.4),
    toNumber: A("Convert text to number", "Text.ToNumber", 5, 0.4),
    wait: A("Wait", "System.Wait", 2000, 0.03),
    runApp: A("Run application", "System.RunApplication.RunApplication", 2600, 0.3),
    launchExcel: A("Launch Excel", "Excel.LaunchExcel.LaunchAndOpenUnderExistingProcess", 2900, 0.25),
    readExcel: A("Read from Excel worksheet", "Excel.ReadFromExcel.ReadCells", 650, 0.35),
    writeExcel: A("Write to Excel worksheet", "Excel.WriteToExcel.WriteCell", 180, 0.35),
    closeExcel: A("Close Excel", "Excel.CloseExcel.CloseAndSave", 900, 0.3),
    click: A("Click UI element in window", "UIAutomation.Click", 1400, 0.3),
    populate: A("Populate text field in window", "UIAutomation.PopulateTextField", 520, 0.3),
    /** The same action filling a password field: its input is secret-like (key `password`, variable `Password`). */
    populateSecret: A("Populate text field in window", "UIAutomation.PopulateTextField", 520, 0.3),
    waitWindow: A("Wait for window", "UIAutomation.WaitForWindow", 1500, 0.35),
    uiDetails: A("Get details of a UI element in window", "UIAutomation.GetDetailsOfUIElement", 260, 0.3),
    closeWindow: A("Close window", "UIAutomation.Windows.Close", 420, 0.3),
    sendKeys: A("Send keys", "MouseAndKeyboard.SendKeys.FocusAndSendKeys", 240, 0.3),
    screenshot: A("Take screenshot", "MouseAndKeyboard.TakeScreenshot", 310, 0.3),
    launchEdge: A("Launch new Microsoft Edge", "WebAutomation.LaunchEdge.LaunchEdge", 2800, 0.3),
    goTo: A("Go to web page", "WebAutomation.GoToWebPage.GoToWebPage", 1700, 0.35),
    webClick: A("Click link on web page", "WebAutomation.Click", 620, 0.35),
    webPopulate: A("Populate text field on web page", "WebAutomation.PopulateTextField", 380, 0.3),
    /** The same action filling a password field: its input's variable is `Password`. */
    webPopulateSecret: A("Populate text field on web page", "WebAutomation.PopulateTextField", 380, 0.3),
    extract: A("Extract data from web page", "WebAutomation.ExtractData.ExtractTable", 2000, 0.3),
    closeBrowser: A("Close web browser", "WebAutomation.CloseWebBrowser", 520, 0.3),
    invokeWs: A("Invoke web service", "Web.InvokeWebService.InvokeWebService", 850, 0.4),
    retrieveMail: A("Retrieve email messages", "Outlook.RetrieveEmailMessages.RetrieveEmails", 2300, 0.35),
    moveMail: A("Move email message(s)", "Outlook.MoveEmailMessages", 380, 0.3),
    saveAttach: A("Save email attachments", "Outlook.SaveEmailAttachments", 700, 0.4),
    sendMail: A("Send email message through Outlook", "Outlook.SendEmailThroughOutlook", 900, 0.3),
    readFile: A("Read text from file", "File.ReadTextFromFile.ReadText", 120, 0.4),
    getFiles: A("Get files in folder", "Folder.GetFiles", 160, 0.4),
    moveFile: A("Move file(s)", "File.Move", 90, 0.4),
    getCredential: A("Get credential", "Credentials.GetCredential", 450, 0.3),
} as const satisfies Record<string, ActionKind>;

export type ActionKey = keyof typeof ACTIONS;

/**
 * Containers. Run subflow and the loops last as long as their children; an If does too in the alias
 * styles, but in the real shape it is a short entry of its own that ends before its body starts.
 */
export const CONTAINERS = {
    callSubflow: { name: "Run subflow", systemName: "Flow.CallFunction" },
    loop: { name: "Loop", systemName: "Loops.Loop" },
    forEach: { name: "For each", systemName: "Loops.ForEach" },
    if: { name: "If", systemName: "Conditionals.If" },
} as const;

export type ContainerKey = keyof typeof CONTAINERS;

/** Display names of the modules (`localizedModuleName`), by system module name (the first segment of a system name). */
export const MODULE_NAMES: Record<string, string> = {
    Logging: "Logging",
    Variables: "Variables",
    Text: "Text",
    System: "System",
    Excel: "Excel",
    UIAutomation: "UI automation",
    MouseAndKeyboard: "Mouse and keyboard",
    WebAutomation: "Browser automation",
    Web: "HTTP",
    Outlook: "Outlook",
    File: "File",
    Folder: "Folder",
    Credentials: "Credentials",
    Flow: "Flow control",
    Loops: "Loops",
    Conditionals: "Conditionals",
};

/**
 * One input or output of an action in the real shape: key, localizedName, variableName and the
 * values to draw from. Placeholders in values: `$n` a small count, `$amount` a money amount,
 * `$secret` a made-up password, `$token` a made-up bearer token, `$detail` the record's detail (the
 * If's condition, the called subflow, the loop's iterations).
 */
export type IoField = readonly [key: string, localizedName: string, variableName: string, values: readonly string[]];

export interface ActionIo {
    inputs: readonly IoField[];
    outputs: readonly IoField[];
}

const io = (inputs: IoField[], outputs: IoField[] = []): ActionIo => ({ inputs, outputs });
const BROWSER: IoField = ["browser", "Web browser instance", "Browser", ["Browser"]];
const EXCEL: IoField = ["excelInstance", "Excel instance", "ExcelInstance", ["Excel instance"]];

/** Inputs and outputs (1-3 keys) of every action and container kind, as the real shape logs them. */
export const ACTION_IO: Record<ActionKey | ContainerKey, ActionIo> = {
    log: io([["message", "Message", "", ["Processing started", "Invoice posted", "Run finished", "Attachment saved", "Row matched"]], ["logLevel", "Log level", "", ["Information"]]]),
    setVar: io([["value", "Value", "", ["$n"]]], [["variable", "Variable", "Counter", ["$n"]]]),
    replaceText: io([["text", "Text to parse", "Subject", ["RE: Order 4711", "FW: Invoice 2026-118", "Statement line $n"]], ["textToFind", "Text to find", "", ["RE: ", "FW: ", ";"]]], [["replaced", "Replaced text", "Replaced", ["Order 4711", "Invoice 2026-118", "Statement line $n"]]]),
    toNumber: io([["textToConvert", "Text to convert", "AmountText", ["$amount"]]], [["number", "Number", "TextAsNumber", ["$amount"]]]),
    wait: io([["duration", "Duration", "", ["2"]]]),
    runApp: io([["applicationPath", "Application path", "", ["C:\\Program Files (x86)\\SAP\\FrontEnd\\SAPgui\\saplogon.exe"]], ["windowStyle", "Window style", "", ["Normal", "Maximized"]]], [["appProcessId", "App process ID", "AppProcessId", ["$n"]]]),
    launchExcel: io([["documentPath", "Document path", "", ["C:\\RPA\\Input\\invoices.xlsx", "C:\\RPA\\Input\\bank-statement.xlsx", "C:\\RPA\\Reports\\sales-emea.xlsx"]], ["visible", "Make instance visible", "", ["False"]]], [["excelInstance", "Excel instance", "ExcelInstance", ["Excel instance"]]]),
    readExcel: io([EXCEL, ["range", "Range", "", ["A2:F40", "A1:D120", "B2:B2"]]], [["dataTable", "Data table", "ExcelData", ["Datatable ($n rows)"]]]),
    writeExcel: io([EXCEL, ["valueToWrite", "Value to write", "", ["Posted", "Matched", "$amount"]], ["row", "Row", "CurrentRow", ["$n"]]]),
    closeExcel: io([EXCEL, ["beforeClosing", "Before closing Excel", "", ["Save document"]]]),
    click: io([["uiElement", "UI element", "", ["Window 'SAP Easy Access' > Button 'Post'", "Window 'Enter Vendor Invoice' > Button 'Save'", "Window 'SAP Logon 770' > Button 'Log On'"]], ["clickType", "Click type", "", ["Left click"]]]),
    populate: io([["uiElement", "UI element", "", ["Window 'SAP' > Edit 'User'", "Window 'Enter Vendor Invoice' > Edit 'Amount'", "Window 'Enter Vendor Invoice' > Edit 'Reference'"]], ["textToFill", "Text to fill-in", "", ["RPA_BOT01", "$amount", "INV-$n"]]]),
    populateSecret: io([["uiElement", "UI element", "", ["Window 'SAP' > Edit 'Password'"]], ["password", "Password", "Password", ["$secret"]]]),
    waitWindow: io([["window", "Window", "", ["Window 'SAP Easy Access'", "Window 'Enter Vendor Invoice'"]], ["state", "Wait for window to", "", ["Open"]]]),
    uiDetails: io([["uiElement", "UI element", "", ["Window 'SAP' > Text 'Status bar'"]], ["attributeName", "Attribute name", "", ["Own Text"]]], [["attributeValue", "Attribute value", "AttributeValue", ["Document 51000$n was posted"]]]),
    closeWindow: io([["window", "Window", "", ["Window 'SAP Easy Access'"]]]),
    sendKeys: io([["textToSend", "Text to send", "", ["{Enter}", "{Control}({S})"]]]),
    screenshot: io([["captureType", "Capture", "", ["Foreground window"]], ["imageFile", "Image file", "", ["C:\\RPA\\Screens\\step-$n.png"]]]),
    launchEdge: io([["initialUrl", "Initial URL", "", ["https://workday.contoso.example/", "https://portal.vendor.example/login", "https://customs.fabrikam.example/"]], ["windowState", "Window state", "", ["Maximized"]]], [["browser", "Browser instance", "Browser", ["Browser"]]]),
    goTo: io([BROWSER, ["url", "URL", "", ["https://track.carrier.example/shipments/$n", "https://workday.contoso.example/login"]]]),
    webClick: io([["webElement", "UI element", "", ["Web Page 'Orders' > Anchor 'Next'", "Web Page 'Login' > Button 'Sign in'", "Web Page 'Declaration' > Button 'Submit'"]]]),
    webPopulate: io([["webElement", "UI element", "", ["Web Page 'Login' > Input text 'username'", "Web Page 'Declaration' > Input text 'HS code'"]], ["text", "Text", "", ["rpa.bot@contoso.example", "8471 30 00", "$amount"]]]),
    webPopulateSecret: io([["webElement", "UI element", "", ["Web Page 'Login' > Input password 'password'"]], ["text", "Text", "Password", ["$secret"]]]),
    extract: io([BROWSER], [["dataFromWebPage", "Extracted data", "DataFromWebPage", ["Datatable ($n rows)"]]]),
    closeBrowser: io([BROWSER]),
    invokeWs: io([["url", "URL", "", ["https://contoso.service-now.example/api/now/table/incident"]], ["method", "Method", "", ["GET", "PATCH"]], ["customHeaders", "Custom headers", "ApiToken", ["Authorization: Bearer $token"]]], [["responseStatusCode", "Status code", "StatusCode", ["200"]]]),
    retrieveMail: io([["account", "Account", "", ["ap-invoices@contoso.example"]], ["mailFolder", "Mail folder", "", ["Inbox"]]], [["retrievedEmails", "Retrieved emails", "RetrievedEmails", ["$n messages"]]]),
    moveMail: io([["mailFolder", "Destination folder", "", ["Inbox/Processed"]]]),
    saveAttach: io([["folder", "Save attachments to", "", ["C:\\RPA\\Attachments"]]], [["attachments", "Attachments", "AttachmentFiles", ["$n files"]]]),
    sendMail: io([["to", "To", "", ["emea-sales@fabrikam.example"]], ["subject", "Subject", "", ["EMEA sales report"]]]),
    readFile: io([["filePath", "File path", "", ["C:\\RPA\\Inbox\\statement.csv"]]], [["fileContents", "File contents", "FileContents", ["$n lines"]]]),
    getFiles: io([["folder", "Folder", "", ["C:\\RPA\\Inbox"]], ["fileFilter", "File filter", "", ["*.xlsx", "*.csv"]]], [["files", "Files", "Files", ["$n files"]]]),
    moveFile: io([["files", "File(s) to move", "CurrentFile", ["C:\\RPA\\Inbox\\statement.csv"]], ["destination", "Destination folder", "", ["C:\\RPA\\Archive"]]], [["movedFiles", "Moved files", "MovedFiles", ["1 file"]]]),
    getCredential: io([["credential", "Credential", "", ["Bank SFTP", "Carrier API", "Shared mailbox", "SharePoint reports"]]], [["userName", "User name", "CredentialUserName", ["svc-rpa"]], ["password", "Password", "CredentialPassword", ["$secret"]]]),
    callSubflow: io([["subflow", "Subflow", "", ["$detail"]]]),
    loop: io([["startFrom", "Start from", "", ["0"]], ["endTo", "End to", "", ["$detail"]], ["increment", "Increment by", "", ["1"]]], [["loopIndex", "Current index", "LoopIndex", ["$detail"]]]),
    forEach: io([["valueToIterate", "Value to iterate", "Items", ["$detail items"]]], [["currentItem", "Store into", "CurrentItem", ["Item $n"]]]),
    if: io([["expression", "Condition", "", ["$detail"]]]),
};

export type Step =
    | { a: ActionKey }
    | { loop: [number, number]; body: Step[]; forEach?: boolean; bulk?: boolean }
    | { call: string }
    | { if: number; body: Step[] };

/** The alias spellings of the V1 document (docs/data-contract.md, "Log shapes"): the minority of runs. */
export type AliasStyle = Exclude<DocStyle, "real">;
export const ALIAS_STYLES: readonly AliasStyle[] = ["actions", "Actions", "actionLogs", "logs"];

/** Share of runs per log shape: the real shape for the large majority, each alias 5 %. */
export const STYLE_WEIGHTS: ReadonlyArray<readonly [DocStyle, number]> = [["real", 0.8], ["actions", 0.05], ["Actions", 0.05], ["actionLogs", 0.05], ["logs", 0.05]];

export interface FlowTemplate {
    name: string;
    description: string;
    /** Index of the machine group (within the environment variant) the flow runs on. */
    group: number;
    /** Runs on an average weekday at scale 1. */
    runsPerDay: number;
    failureRate: number;
    /** Share of runs started from a cloud flow (triggertype 0). */
    cloudShare: number;
    /** Subflows run inside an error-handling block (On block error): their actions log `insideErrorHandling: true`. */
    guarded?: string[];
    uiflowtype: number;
    /** 0 Draft (no runs), 1 Activated. */
    statecode: number;
    /** The flow's bulk loop can be inflated into a 20,000+ action run. */
    bulk?: boolean;
    /** Runs mostly at night (scheduled batch) instead of business hours. */
    nightly?: boolean;
    subflows: Record<string, Step[]>;
}

export interface MachineTemplate {
    name: string;
    group: number;
    speed: number;
    hostingtype: number;
    agentversion: string;
}

export interface GroupTemplate {
    name: string;
    flowgrouptype: number;
}

export interface EnvVariant {
    name: string;
    displayName: string;
    tenantKey: string;
    logVersion: LogVersion;
    logStatus: LogStatus;
    verbosity: number;
    ttlMinutes: number;
    groups: GroupTemplate[];
    machines: MachineTemplate[];
    flows: FlowTemplate[];
}

const L = (a: ActionKey): Step => ({ a });

const sapLogin: Step[] = [L("runApp"), L("waitWindow"), L("populate"), L("populateSecret"), L("click"), L("waitWindow"), L("log")];

const INVOICE_SAP: FlowTemplate = {
    name: "Invoice entry into SAP",
    description: "Keys supplier invoices from the AP mailbox export into SAP GUI (FB60).",
    group: 0, runsPerDay: 20, failureRate: 0.1, cloudShare: 0.7, uiflowtype: 2, statecode: 1, bulk: true, guarded: ["Logout_SAP"],
    subflows: {
        Main: [L("log"), { call: "Login_SAP" }, L("launchExcel"), L("readExcel"),
            { loop: [8, 30], forEach: true, bulk: true, body: [{ call: "Process_Invoice" }] },
            L("closeExcel"), { call: "Logout_SAP" }, L("log")],
        Login_SAP: sapLogin,
        Process_Invoice: [L("setVar"), L("click"), L("populate"), L("populate"), L("populate"), L("sendKeys"),
            { if: 0.15, body: [L("uiDetails"), L("screenshot"), L("log")] }, L("click"), L("waitWindow"), L("writeExcel")],
        Logout_SAP: [L("click"), L("closeWindow")],
    },
};

const BANK_RECON: FlowTemplate = {
    name: "Excel bank reconciliation",
    description: "Matches bank statement lines against open items and flags differences.",
    group: 1, runsPerDay: 8, failureRate: 0.06, cloudShare: 0.5, uiflowtype: 2, statecode: 1, bulk: true, guarded: ["Load_Statement"],
    subflows: {
        Main: [L("log"), L("getCredential"), L("getFiles"), L("launchExcel"), { call: "Load_Statement" },
            { loop: [30, 80], bulk: true, body: [L("readExcel"), L("replaceText"), L("toNumber"), { if: 0.2, body: [L("writeExcel"), L("log")] }] },
            L("closeExcel"), L("moveFile")],
        Load_Statement: [L("readFile"), L("readExcel"), L("setVar")],
    },
};

const HR_WORKDAY: FlowTemplate = {
    name: "HR onboarding in Workday",
    description: "Creates new-hire records in Workday from the HR intake list.",
    group: 1, runsPerDay: 6, failureRate: 0.12, cloudShare: 0.8, uiflowtype: 2, statecode: 1, guarded: ["Login_Workday"],
    subflows: {
        Main: [L("log"), L("launchEdge"), { call: "Login_Workday" }, { loop: [1, 5], forEach: true, body: [{ call: "Create_Worker" }] }, L("closeBrowser")],
        Login_Workday: [L("goTo"), L("webPopulate"), L("webPopulateSecret"), L("webClick"), L("wait")],
        Create_Worker: [L("webClick"), L("webPopulate"), L("webPopulate"), L("webPopulate"), L("webClick"), L("extract"), L("log")],
    },
};

const PAYROLL_EXPORT: FlowTemplate = {
    name: "Payroll export to SAP",
    description: "Nightly export of approved payroll journals into SAP.",
    group: 0, runsPerDay: 2, failureRate: 0.08, cloudShare: 1, uiflowtype: 2, statecode: 1, nightly: true, guarded: ["Login_SAP"],
    subflows: {
        Main: [L("log"), { call: "Login_SAP" }, { loop: [3, 10], body: [L("click"), L("populate"), L("sendKeys"), L("waitWindow")] }, L("closeWindow")],
        Login_SAP: sapLogin,
    },
};

const DRAFT_CREDIT: FlowTemplate = {
    name: "Credit note approval (draft)",
    description: "Work in progress.",
    group: 0, runsPerDay: 0, failureRate: 0, cloudShare: 0, uiflowtype: 2, statecode: 0,
    subflows: { Main: [L("log")] },
};

const MAILBOX_TRIAGE: FlowTemplate = {
    name: "Mailbox triage",
    description: "Sorts the shared service mailbox and files attachments.",
    group: 0, runsPerDay: 22, failureRate: 0.05, cloudShare: 0.85, uiflowtype: 2, statecode: 1, guarded: ["Classify_Message"],
    subflows: {
        Main: [L("log"), L("getCredential"), L("retrieveMail"), { loop: [6, 30], forEach: true, body: [{ call: "Classify_Message" }] }, L("log")],
        Classify_Message: [L("replaceText"), { if: 0.4, body: [L("saveAttach"), L("moveFile")] }, L("moveMail"), L("log")],
    },
};

const VENDOR_PORTAL: FlowTemplate = {
    name: "Vendor portal scraping",
    description: "Collects order confirmations from the supplier portal.",
    group: 1, runsPerDay: 16, failureRate: 0.13, cloudShare: 0.85, uiflowtype: 2, statecode: 1, bulk: true, guarded: ["Login_Portal"],
    subflows: {
        Main: [L("log"), L("launchEdge"), { call: "Login_Portal" }, { call: "Scrape_Orders" }, L("closeBrowser"), L("log")],
        Login_Portal: [L("goTo"), L("webPopulate"), L("webPopulateSecret"), L("webClick")],
        Scrape_Orders: [{ loop: [8, 24], bulk: true, body: [L("webClick"), L("extract"), L("writeExcel"), L("log")] }],
    },
};

const SERVICENOW: FlowTemplate = {
    name: "ServiceNow ticket enrichment",
    description: "Adds asset and user details to new incidents.",
    group: 0, runsPerDay: 13, failureRate: 0.07, cloudShare: 0.75, uiflowtype: 2, statecode: 1, guarded: ["Enrich_Ticket"],
    subflows: {
        Main: [L("invokeWs"), { loop: [4, 14], forEach: true, body: [{ call: "Enrich_Ticket" }] }],
        Enrich_Ticket: [L("invokeWs"), L("setVar"), { if: 0.3, body: [L("invokeWs"), L("log")] }, L("invokeWs")],
    },
};

const CARRIER_TRACKING: FlowTemplate = {
    name: "Carrier tracking sync",
    description: "Reads shipment status from carrier sites into the tracking workbook.",
    group: 1, runsPerDay: 9, failureRate: 0.1, cloudShare: 0.6, uiflowtype: 2, statecode: 1,
    subflows: {
        Main: [L("getCredential"), L("launchExcel"), L("launchEdge"), { loop: [8, 25], body: [L("goTo"), L("extract"), L("writeExcel")] }, L("closeBrowser"), L("closeExcel")],
    },
};

const CUSTOMS_FILING: FlowTemplate = {
    name: "Customs declaration filing",
    description: "Files export declarations in the customs web portal.",
    group: 0, runsPerDay: 12, failureRate: 0.14, cloudShare: 0.8, uiflowtype: 2, statecode: 1, guarded: ["Login_Customs"],
    subflows: {
        Main: [L("log"), L("launchEdge"), { call: "Login_Customs" }, { loop: [2, 8], forEach: true, body: [{ call: "File_Declaration" }] }, L("closeBrowser")],
        Login_Customs: [L("goTo"), L("webPopulate"), L("webPopulateSecret"), L("webClick"), L("wait")],
        File_Declaration: [L("webClick"), L("webPopulate"), L("webPopulate"), L("webPopulate"), L("webClick"), L("screenshot"), L("log")],
    },
};

const SALES_CONSOLIDATION: FlowTemplate = {
    name: "Excel sales report consolidation",
    description: "Merges country sales workbooks into the EMEA report.",
    group: 1, runsPerDay: 9, failureRate: 0.06, cloudShare: 0.7, uiflowtype: 2, statecode: 1, guarded: ["Merge_Workbook"],
    subflows: {
        Main: [L("getCredential"), L("getFiles"), L("launchExcel"), { loop: [4, 12], forEach: true, body: [{ call: "Merge_Workbook" }] }, L("closeExcel"), L("sendMail")],
        Merge_Workbook: [L("readExcel"), L("readExcel"), L("writeExcel"), L("writeExcel"), L("log")],
    },
};

const DRAFT_SUPPLIER: FlowTemplate = {
    name: "Supplier master data cleanup",
    description: "Recorded with the legacy Windows recorder; never published.",
    group: 0, runsPerDay: 0, failureRate: 0, cloudShare: 0, uiflowtype: 0, statecode: 0,
    subflows: { Main: [L("log")] },
};

const AGENT = ["2.47.119.24310", "2.48.164.24320", "2.49.182.24323"];

export const ENV_VARIANTS: EnvVariant[] = [
    {
        name: "contoso-prod", displayName: "Contoso Production", tenantKey: "contoso",
        logVersion: 0, logStatus: 0, verbosity: 0, ttlMinutes: 43200,
        groups: [{ name: "SAP Finance Pool", flowgrouptype: 545940001 }, { name: "Back Office Pool", flowgrouptype: 545940001 }],
        machines: [
            { name: "RPA-VM-05", group: 0, speed: 1.0, hostingtype: 0, agentversion: AGENT[1] },
            { name: "RPA-VM-06", group: 0, speed: 0.85, hostingtype: 0, agentversion: AGENT[1] },
            { name: "RPA-VM-07", group: 0, speed: 1.05, hostingtype: 0, agentversion: AGENT[0] },
            { name: "RPA-VM-11", group: 1, speed: 1.2, hostingtype: 1, agentversion: AGENT[2] },
            { name: "RPA-VM-12", group: 1, speed: 0.9, hostingtype: 1, agentversion: AGENT[2] },
        ],
        flows: [INVOICE_SAP, BANK_RECON, HR_WORKDAY, PAYROLL_EXPORT, DRAFT_CREDIT],
    },
    {
        name: "contoso-ops", displayName: "Contoso Operations", tenantKey: "contoso",
        logVersion: 1, logStatus: 0, verbosity: 2, ttlMinutes: 43200,
        groups: [{ name: "Ops Hosted Bots", flowgrouptype: 545940000 }, { name: "Web Scrapers", flowgrouptype: 545940001 }],
        machines: [
            { name: "OPS-BOT-01", group: 0, speed: 0.9, hostingtype: 1, agentversion: AGENT[2] },
            { name: "OPS-BOT-02", group: 0, speed: 1.0, hostingtype: 1, agentversion: AGENT[2] },
            { name: "OPS-WEB-01", group: 1, speed: 1.1, hostingtype: 2, agentversion: AGENT[1] },
            { name: "OPS-WEB-02", group: 1, speed: 0.95, hostingtype: 0, agentversion: AGENT[1] },
        ],
        flows: [MAILBOX_TRIAGE, VENDOR_PORTAL, SERVICENOW, CARRIER_TRACKING],
    },
    {
        name: "fabrikam-emea", displayName: "Fabrikam EMEA", tenantKey: "fabrikam",
        logVersion: 2, logStatus: 1, verbosity: 0, ttlMinutes: 20160,
        groups: [{ name: "EMEA Customs", flowgrouptype: 545940001 }, { name: "EMEA Finance", flowgrouptype: 545940001 }],
        machines: [
            { name: "FAB-EMEA-RPA01", group: 0, speed: 1.15, hostingtype: 0, agentversion: AGENT[0] },
            { name: "FAB-EMEA-RPA02", group: 0, speed: 1.0, hostingtype: 0, agentversion: AGENT[0] },
            { name: "FAB-EMEA-RPA03", group: 1, speed: 0.8, hostingtype: 2, agentversion: AGENT[1] },
        ],
        flows: [CUSTOMS_FILING, SALES_CONSOLIDATION, DRAFT_SUPPLIER],
    },
];

/** The bottlenecks planted on purpose, by environment variant. */
export interface BottleneckRule {
    variant: number;
    kind: "slow-on-machine" | "slow-at-peak";
    flowName: string;
    subflow: string;
    actionName: string;
    machineName?: string;
    peakHoursUtc?: number[];
    slowdownFactor: number;
}

export const BOTTLENECK_RULES: BottleneckRule[] = [
    { variant: 0, kind: "slow-on-machine", flowName: INVOICE_SAP.name, subflow: "Process_Invoice", actionName: ACTIONS.click.name, machineName: "RPA-VM-07", slowdownFactor: 6 },
    { variant: 1, kind: "slow-at-peak", flowName: VENDOR_PORTAL.name, subflow: "Scrape_Orders", actionName: ACTIONS.extract.name, peakHoursUtc: [13, 14], slowdownFactor: 4 },
];

/** Errors of runs that fail before any action runs (no action log). */
export const SESSION_ERRORS: Array<{ code: string; message: string }> = [
    { code: "SessionExistsForTheUserWhenUnattended", message: "There is a user session on the target machine. Cannot execute unattended desktop flow." },
    { code: "NoUnlockedActiveSessionForAttended", message: "No active and unlocked session was found for the user on the target machine to run the attended desktop flow." },
    { code: "WindowsAuthenticationFailed", message: "Windows failed to authenticate the provided credentials. Verify the username and password of the connection." },
    { code: "NoCandidateMachine", message: "There is no machine available in the machine group to run the desktop flow." },
];

/** Errors raised by an action (the last action of a failed run), by system-name prefix. */
export function actionError(systemName: string, pick: number): { code: string; message: string } {
    if (systemName.startsWith("UIAutomation")) {
        return pick < 0.7
            ? { code: "UIElementNotFound", message: "Failed to get UI element 'Button 'Post''. Element not found." }
            : { code: "WindowNotFound", message: "Window 'SAP Easy Access' not found within the timeout period." };
    }
    if (systemName.startsWith("WebAutomation")) {
        return pick < 0.6
            ? { code: "WebElementNotFound", message: "Failed to click web element 'a.order-next'. Element not found in the web page." }
            : { code: "WebPageTimeout", message: "The web page did not load within the timeout period (60 seconds)." };
    }
    if (systemName.startsWith("Excel")) return { code: "ExcelWorkbookLocked", message: "The workbook is locked for editing by another user." };
    if (systemName.startsWith("Outlook")) return { code: "OutlookNotResponding", message: "Microsoft Outlook is not responding." };
    if (systemName.startsWith("Web.")) return { code: "HttpRequestFailed", message: "The remote server returned an error: (503) Server Unavailable." };
    if (systemName.startsWith("File") || systemName.startsWith("Folder")) return { code: "FileNotFound", message: "Could not find file 'C:\\RPA\\Inbox\\statement.csv'." };
    return { code: "ActionFailed", message: "The action failed with an unexpected error." };
}
