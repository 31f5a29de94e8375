/**
 * What the simulated Web API knows about each table: entity set, logical name, primary key, the
 * columns it accepts in $select/$filter/$orderby beyond those present in the data, option-set labels
 * for `FormattedValue` annotations, and which table each lookup points at.
 */
export interface EntityInfo {
    set: string;
    logicalName: string;
    primaryKey: string;
    /** Columns that exist even if no generated row carries them (selecting them yields null). */
    columns: string[];
    optionSets: Record<string, Record<number, string>>;
    /** lookup column (`_x_value`) -> entity set it refers to. */
    lookups: Record<string, string>;
    /** Columns a request may not read (credentials never leave Dataverse through the simulator either). */
    hidden?: string[];
    /** File columns, served at `<set>(<id>)/<column>/$value`. */
    fileColumns?: string[];
}

/** asyncoperation and bulkdeleteoperation share these codes. */
const JOB_STATE: Record<number, string> = { 0: "Ready", 1: "Suspended", 2: "Locked", 3: "Completed" };
const JOB_STATUS: Record<number, string> = {
    0: "Waiting For Resources", 10: "Waiting", 20: "In Progress", 21: "Pausing", 22: "Canceling", 30: "Succeeded", 31: "Failed", 32: "Canceled",
};

const FLOWSESSION_STATUS: Record<number, string> = {
    0: "NotSpecified", 1: "Paused", 2: "Running", 3: "Waiting", 4: "Succeeded", 5: "Skipped", 6: "Suspended",
    7: "Cancelled", 8: "Failed", 9: "Faulted", 10: "TimedOut", 11: "Aborted", 12: "Ignored", 13: "Deleted", 14: "Terminated",
};

export const ENTITIES: Record<string, EntityInfo> = {
    workflows: {
        set: "workflows",
        logicalName: "workflow",
        primaryKey: "workflowid",
        columns: ["workflowid", "name", "category", "uiflowtype", "statecode", "statuscode", "_ownerid_value", "createdon", "modifiedon", "description", "clientdata", "type", "ismanaged"],
        optionSets: {
            category: { 0: "Workflow", 1: "Dialog", 2: "Business Rule", 3: "Action", 4: "Business Process Flow", 5: "Modern Flow", 6: "Desktop Flow", 7: "AI Flow" },
            uiflowtype: { 0: "Windows recorder (V1)", 1: "Selenium IDE", 2: "Power Automate Desktop", 3: "Test", 101: "Recording" },
            statecode: { 0: "Draft", 1: "Activated", 2: "Suspended" },
            statuscode: { 1: "Draft", 2: "Activated", 3: "CompanyDLPViolation" },
            type: { 1: "Definition", 2: "Activation", 3: "Template" },
        },
        lookups: { _ownerid_value: "systemusers" },
    },
    flowsessions: {
        set: "flowsessions",
        logicalName: "flowsession",
        primaryKey: "flowsessionid",
        columns: [
            "flowsessionid", "_regardingobjectid_value", "statuscode", "statecode", "startedon", "completedon", "createdon", "modifiedon",
            "_machineid_value", "_machinegroupid_value", "runmode", "triggertype", "runduration", "errorcode", "errormessage", "errordetails",
            "context", "parentcloudflowrunsequenceid", "_parentdesktopflowrunid_value", "additionalcontext", "additionalcontext_name",
            "inputs", "outputs", "name", "_ownerid_value", "credentials",
        ],
        optionSets: {
            statuscode: FLOWSESSION_STATUS,
            statecode: { 0: "Active", 1: "Inactive" },
            runmode: { 0: "Local", 1: "Attended", 2: "Unattended" },
            triggertype: { 0: "ApiFlow", 1: "DesktopFlow", 2: "Local", 3: "RunDesktopFlowDataverseApi", 4: "Cua" },
        },
        lookups: {
            _regardingobjectid_value: "workflows",
            _machineid_value: "flowmachines",
            _machinegroupid_value: "flowmachinegroups",
            _parentdesktopflowrunid_value: "flowsessions",
            _ownerid_value: "systemusers",
        },
        hidden: ["credentials"],
    },
    flowmachines: {
        set: "flowmachines",
        logicalName: "flowmachine",
        primaryKey: "flowmachineid",
        columns: ["flowmachineid", "name", "_flowmachinegroupid_value", "hostingtype", "agentversion", "createdon", "modifiedon", "statecode"],
        optionSets: { hostingtype: { 0: "Customer", 1: "Hosted", 2: "CloudPc" }, statecode: { 0: "Active", 1: "Inactive" } },
        lookups: { _flowmachinegroupid_value: "flowmachinegroups" },
    },
    flowmachinegroups: {
        set: "flowmachinegroups",
        logicalName: "flowmachinegroup",
        primaryKey: "flowmachinegroupid",
        columns: ["flowmachinegroupid", "name", "flowgrouptype", "createdon", "modifiedon", "statecode"],
        optionSets: { flowgrouptype: { 545940000: "Keyless", 545940001: "Standard", 545940002: "Default" }, statecode: { 0: "Active", 1: "Inactive" } },
        lookups: {},
    },
    organizations: {
        set: "organizations",
        logicalName: "organization",
        primaryKey: "organizationid",
        columns: ["organizationid", "name", "desktopflowrunactionlogversion", "desktopflowrunactionlogsstatus", "desktopflowrunactionlogverbosity", "flowlogsttlinminutes"],
        optionSets: {
            desktopflowrunactionlogversion: { 0: "ActionLogsInAdditionalContext", 1: "ActionLogsInFlowLogs", 2: "ActionLogsInBoth" },
            desktopflowrunactionlogsstatus: { 0: "Enabled", 1: "OnFailure", 2: "Disabled" },
            desktopflowrunactionlogverbosity: { 0: "Full", 1: "Debug", 2: "Info", 3: "Warning", 4: "Error" },
        },
        lookups: {},
    },
    asyncoperations: {
        set: "asyncoperations",
        logicalName: "asyncoperation",
        primaryKey: "asyncoperationid",
        columns: [
            "asyncoperationid", "name", "operationtype", "statecode", "statuscode", "message", "friendlymessage", "createdon", "modifiedon",
            "startedon", "completedon", "postponeuntil", "recurrencepattern", "recurrencestarttime", "_ownerid_value", "_regardingobjectid_value",
        ],
        optionSets: { operationtype: { 1: "System Event", 10: "Workflow", 13: "Bulk Delete" }, statecode: JOB_STATE, statuscode: JOB_STATUS },
        lookups: { _ownerid_value: "systemusers" },
    },
    bulkdeleteoperations: {
        set: "bulkdeleteoperations",
        logicalName: "bulkdeleteoperation",
        primaryKey: "bulkdeleteoperationid",
        columns: [
            "bulkdeleteoperationid", "name", "_asyncoperationid_value", "statecode", "statuscode", "successcount", "failurecount", "isrecurring",
            "nextrun", "processingqeindex", "orderedquerysetxml", "createdon", "modifiedon", "_createdby_value", "_ownerid_value",
        ],
        optionSets: { statecode: JOB_STATE, statuscode: JOB_STATUS },
        lookups: { _asyncoperationid_value: "asyncoperations", _createdby_value: "systemusers", _ownerid_value: "systemusers" },
    },
    workflowbinaries: {
        set: "workflowbinaries",
        logicalName: "workflowbinary",
        primaryKey: "workflowbinaryid",
        columns: ["workflowbinaryid", "name", "mimetype", "data_name", "_flowsessionid_value", "_processid_value", "createdon", "modifiedon"],
        optionSets: {},
        lookups: { _flowsessionid_value: "flowsessions", _processid_value: "workflows" },
        fileColumns: ["data"],
    },
    flowlogs: {
        set: "flowlogs",
        logicalName: "flowlog",
        primaryKey: "flowlogid",
        columns: ["flowlogid", "data", "type", "level", "_flowsessionid_value", "createdon", "modifiedon", "ttlinseconds", "partitionid", "name"],
        optionSets: {
            type: { 100000000: "Custom", 100000001: "DesktopFlowAction", 100000002: "QueueEvent" },
            level: { 100000000: "Verbose", 100000001: "Debug", 100000002: "Info", 100000003: "Warning", 100000004: "Error" },
        },
        lookups: { _flowsessionid_value: "flowsessions" },
    },
};

export function formattedDate(iso: string): string {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    const hours = d.getUTCHours();
    const h12 = hours % 12 === 0 ? 12 : hours % 12;
    const minutes = String(d.getUTCMinutes()).padStart(2, "0");
    return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h12}:${minutes} ${hours < 12 ? "AM" : "PM"}`;
}
