/**
 * The static rows of one sample environment: organization settings, machine groups, machines and
 * workflows (desktop flows plus the cloud flows that trigger them), with ids from the env's stream.
 */
import { BOTTLENECK_RULES, type EnvVariant, type FlowTemplate, type MachineTemplate } from "./catalog.js";
import type { DataverseRow, PlantedBottleneck } from "./model.js";
import { dvTime, rngFor, type Rng } from "./prng.js";

export interface EnvLayout {
    index: number;
    name: string;
    displayName: string;
    variant: EnvVariant;
    tenantId: string;
    clientId: string;
    clientSecret: string;
    ownerId: string;
    organization: DataverseRow;
    groups: Array<{ id: string; row: DataverseRow }>;
    machines: Array<{ id: string; template: MachineTemplate; groupId: string; row: DataverseRow }>;
    flows: Array<{ id: string; cloudFlowId: string; template: FlowTemplate }>;
    workflows: DataverseRow[];
    bottlenecks: PlantedBottleneck[];
}

function secret(rng: Rng): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
    let s = "";
    for (let i = 0; i < 40; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
    return s;
}

export function layoutEnvironment(seed: number, index: number, variants: EnvVariant[], startMs: number): EnvLayout {
    const variant = variants[index % variants.length];
    const cycle = Math.floor(index / variants.length);
    const name = cycle === 0 ? variant.name : `${variant.name}-${cycle + 1}`;
    const rng = rngFor(seed, "env", index);
    const tenantId = rngFor(seed, "tenant", variant.tenantKey, cycle).guid();
    const clientId = rng.guid();
    const clientSecret = secret(rng);
    const ownerId = rng.guid();
    // Configuration rows predate the run history by a few months.
    const setupMs = startMs - 120 * 86_400_000;
    const at = (days: number): string => dvTime(setupMs + days * 86_400_000 + rng.int(0, 8 * 3_600_000));

    const organization: DataverseRow = {
        organizationid: rng.guid(),
        name: name.replace(/-/g, ""),
        desktopflowrunactionlogversion: variant.logVersion,
        desktopflowrunactionlogsstatus: variant.logStatus,
        desktopflowrunactionlogverbosity: variant.verbosity,
        flowlogsttlinminutes: variant.ttlMinutes,
    };
    const groups = variant.groups.map((g, i) => {
        const id = rng.guid();
        return { id, row: { flowmachinegroupid: id, name: g.name, flowgrouptype: g.flowgrouptype, createdon: at(i), modifiedon: at(i + 10), statecode: 0 } as DataverseRow };
    });
    const machines = variant.machines.map((m, i) => {
        const id = rng.guid();
        const groupId = groups[m.group].id;
        const row: DataverseRow = {
            flowmachineid: id, name: m.name, _flowmachinegroupid_value: groupId, hostingtype: m.hostingtype,
            agentversion: m.agentversion, createdon: at(2 + i), modifiedon: at(40 + i), statecode: 0,
        };
        return { id, template: m, groupId, row };
    });
    const flows = variant.flows.map((template) => ({ id: rng.guid(), cloudFlowId: rng.guid(), template }));
    const workflows: DataverseRow[] = [];
    flows.forEach((f, i) => {
        workflows.push({
            workflowid: f.id, name: f.template.name, category: 6, uiflowtype: f.template.uiflowtype,
            statecode: f.template.statecode, statuscode: f.template.statecode === 1 ? 2 : 1, _ownerid_value: ownerId,
            createdon: at(5 + i), modifiedon: at(60 + i * 3), description: f.template.description, type: 1, ismanaged: false,
            // Drafts were never published: the server shows them only with `MSCRM.IncludeUnpublished: true`.
            ...(f.template.statecode === 0 ? { __unpublished: true } : {}),
        });
        if (f.template.statecode === 1) {
            // The cloud flow that starts the desktop flow: category 5, which a desktop-flow query must filter out.
            workflows.push({
                workflowid: f.cloudFlowId, name: `Schedule - ${f.template.name}`, category: 5, uiflowtype: null,
                statecode: 1, statuscode: 2, _ownerid_value: ownerId, createdon: at(6 + i), modifiedon: at(61 + i * 3),
                description: null, type: 1, ismanaged: false,
            });
        }
    });
    const bottlenecks: PlantedBottleneck[] = [];
    for (const rule of BOTTLENECK_RULES) {
        if (variants[rule.variant] !== variant) continue;
        const flow = flows.find((f) => f.template.name === rule.flowName);
        if (!flow) continue;
        const machine = rule.machineName ? machines.find((m) => m.template.name === rule.machineName) : undefined;
        bottlenecks.push({
            kind: rule.kind, env: name, flowId: flow.id, flowName: rule.flowName, subflow: rule.subflow, actionName: rule.actionName,
            ...(machine ? { machineId: machine.id, machineName: machine.template.name } : {}),
            ...(rule.peakHoursUtc ? { peakHoursUtc: [...rule.peakHoursUtc] } : {}),
            slowdownFactor: rule.slowdownFactor,
        });
    }
    return {
        index, name, displayName: cycle === 0 ? variant.displayName : `${variant.displayName} ${cycle + 1}`, variant, tenantId, clientId, clientSecret,
        ownerId, organization, groups, machines, flows, workflows, bottlenecks,
    };
}
