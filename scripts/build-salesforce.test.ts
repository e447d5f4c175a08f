import { transform } from 'esbuild';
import { XMLParser } from 'fast-xml-parser';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cardFromProps, metaLine, toCardView, type CardProps } from '../cards/card-view';
import { toCommitteeView } from '../cards/committee-view';
import type * as SalesforceCardModule from '../cards/salesforce-card';
import { LEADLENS_PROPERTIES, SALESFORCE_FIELDS } from '../src/contracts/properties';
import {
  SALESFORCE_SCORED_OBJECTS,
  customFieldMetadata,
  salesforceFieldDefs,
} from '../src/contracts/salesforce-fields';
import { DEFAULT_SETTINGS, TIER_VALUES } from '../src/contracts/settings';
import { isLeadLensError } from '../src/errors';
import {
  buildSalesforceProject,
  bundleCardView,
  expectedComponents,
  type BuildSummary,
} from './build-salesforce';
import { checkSalesforceProject } from './salesforce-check';

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join('force-app', 'main', 'default');
const FIXTURES = path.join(
  ROOT,
  'salesforce',
  MAIN,
  'lwc',
  'leadLensScoreCard',
  '__tests__',
  'data',
);
const NOW = new Date('2026-03-10T12:00:00.000Z');
const cardFixtures = (bundle: string) =>
  path.join(ROOT, 'salesforce', MAIN, 'lwc', bundle, '__tests__', 'data');

type Record = {
  apiName: string;
  id: string;
  fields: { [name: string]: { value: unknown; displayValue: string | null } };
};

const key = (c: { type: string; fullName: string }) => `${c.type}:${c.fullName}`;

/** The bundled LWC module, run as it is (its ES module syntax turned into CommonJS only). */
async function loadBundledView(): Promise<typeof SalesforceCardModule> {
  const esm = await bundleCardView(ROOT);
  const { code } = await transform(esm, { format: 'cjs', target: 'es2019' });
  const module = { exports: {} as typeof SalesforceCardModule };
  new Function('module', 'exports', code)(module, module.exports);
  return module.exports;
}

async function fixtures(dir = FIXTURES): Promise<Array<[string, Record]>> {
  const names = (await fs.readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    names.map(
      async (n) =>
        [n, JSON.parse(await fs.readFile(path.join(dir, n), 'utf8')) as Record] as [string, Record],
    ),
  );
}

/** The HubSpot card's view of the same values: property strings, the tier's label formatted. */
function hubspotView(record: Record, objectType: 'contact' | 'lead' | 'deal' | 'company') {
  const props: CardProps = {};
  for (const [k, prop] of Object.entries(LEADLENS_PROPERTIES)) {
    const field = record.fields[SALESFORCE_FIELDS[k as keyof typeof LEADLENS_PROPERTIES]];
    if (field) props[prop as keyof CardProps] = field.value === null ? null : String(field.value);
  }
  const ref = { objectType, objectId: record.id };
  const label = record.fields.LeadLens_Tier__c?.displayValue ?? null;
  return toCardView(cardFromProps(ref, ref, props, label), NOW);
}

describe('build:salesforce', () => {
  let tmp: string;
  let summary: BuildSummary;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'leadlens-sf-'));
    summary = await buildSalesforceProject({
      root: ROOT,
      outDir: path.join(tmp, 'project'),
      mdapiDir: path.join(tmp, 'mdapi'),
    });
  });

  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const read = (...p: string[]) => fs.readFile(path.join(tmp, 'project', MAIN, ...p), 'utf8');

  it('source-deploy-retrieve converts the project and its package.xml lists every component', async () => {
    const want = expectedComponents().map(key).sort();
    expect(summary.components.map(key).sort()).toEqual(want);
    // 8 fields on each of Lead, Contact, Account and Opportunity, 2 permission sets, 7 LWC
    // bundles (the Lead/Contact, Opportunity and Account cards, the score states and details
    // they share, the base class they extend, the view module), the Lead and Opportunity Flows.
    expect(SALESFORCE_SCORED_OBJECTS).toEqual(['Lead', 'Contact', 'Account', 'Opportunity']);
    expect(want).toHaveLength(8 * 4 + 2 + 7 + 2);
    for (const bundle of [
      'leadLensScoreCard',
      'leadLensDealScoreCard',
      'leadLensAccountScoreCard',
      'leadLensScoreDetails',
      'leadLensScoreState',
      'leadLensCardBase',
      'leadLensCardView',
    ]) {
      expect(want).toContain(`LightningComponentBundle:${bundle}`);
    }
    expect(want).toContain('Flow:LeadLens_Deal_Tier_Routing');
    const pkg = await fs.readFile(path.join(tmp, 'mdapi', 'package.xml'), 'utf8');
    expect(pkg).toBe(summary.packageXml);
    expect(pkg).toContain('<version>62.0</version>');
    // Metadata API format: the fields recomposed into Lead.object and Contact.object.
    for (const object of SALESFORCE_SCORED_OBJECTS) {
      const obj = await fs.readFile(path.join(tmp, 'mdapi', 'objects', `${object}.object`), 'utf8');
      for (const name of Object.values(SALESFORCE_FIELDS)) {
        expect(obj).toContain(`<fullName>${name}</fullName>`);
      }
    }
    await expect(
      fs.stat(path.join(tmp, 'mdapi', 'lwc', 'leadLensCardView', 'leadLensCardView.js')),
    ).resolves.toBeTruthy();
    // No Jest test is deployed.
    for (const bundle of [
      'leadLensScoreCard',
      'leadLensDealScoreCard',
      'leadLensAccountScoreCard',
    ]) {
      await expect(
        fs.stat(path.join(tmp, 'project', MAIN, 'lwc', bundle, '__tests__')),
      ).rejects.toThrow();
    }
  });

  it('defines the fields of the shared contract with the Salesforce types the adapter uses', async () => {
    const defs = salesforceFieldDefs();
    expect(defs.map((d) => d.apiName).sort()).toEqual(Object.values(SALESFORCE_FIELDS).sort());
    expect(defs.map((d) => d.key).sort()).toEqual(Object.keys(LEADLENS_PROPERTIES).sort());

    const score = await read('objects', 'Lead', 'fields', 'LeadLens_Score__c.field-meta.xml');
    expect(score).toMatch(
      /<precision>3<\/precision>[\s\S]*<scale>0<\/scale>[\s\S]*<type>Number<\/type>/,
    );
    const factors = await read(
      'objects',
      'Contact',
      'fields',
      'LeadLens_Factors__c.field-meta.xml',
    );
    expect(factors).toContain('<length>32768</length>');
    expect(factors).toContain('<type>LongTextArea</type>');
    const at = await read('objects', 'Lead', 'fields', 'LeadLens_Scored_At__c.field-meta.xml');
    expect(at).toContain('<type>DateTime</type>');

    // The tier picklist: restricted, stable values best first, the settings' labels.
    const tier = await read('objects', 'Lead', 'fields', 'LeadLens_Tier__c.field-meta.xml');
    expect(tier).toContain('<type>Picklist</type>');
    expect(tier).toContain('<restricted>true</restricted>');
    const values = [
      ...tier.matchAll(/<value>\s*<fullName>([^<]+)<\/fullName>[\s\S]*?<label>([^<]+)<\/label>/g),
    ];
    expect(values.map((m) => [m[1], m[2]])).toEqual(
      DEFAULT_SETTINGS.tiers.map((t) => [t.value, t.label]),
    );
  });

  it('writes each field file with the body the adapter sends to the Tooling API', async () => {
    const parser = new XMLParser({
      ignoreDeclaration: true,
      ignoreAttributes: true,
      parseTagValue: true,
    });
    for (const object of SALESFORCE_SCORED_OBJECTS) {
      for (const def of salesforceFieldDefs()) {
        const xml = await read('objects', object, 'fields', `${def.apiName}.field-meta.xml`);
        const { fullName, ...body } = parser.parse(xml).CustomField;
        expect(fullName).toBe(def.apiName);
        expect(body).toEqual(customFieldMetadata(def));
      }
    }
  });

  it('grants field-level security on every field: edit for LeadLens, read only for LeadLens_Read', async () => {
    const all = SALESFORCE_SCORED_OBJECTS.flatMap((o) =>
      Object.values(SALESFORCE_FIELDS).map((f) => `${o}.${f}`),
    ).sort();
    for (const [file, editable] of [
      ['LeadLens.permissionset-meta.xml', 'true'],
      ['LeadLens_Read.permissionset-meta.xml', 'false'],
    ] as const) {
      const xml = await read('permissionsets', file);
      const grants = [
        ...xml.matchAll(
          /<fieldPermissions>\s*<editable>(\w+)<\/editable>\s*<field>([^<]+)<\/field>\s*<readable>(\w+)<\/readable>/g,
        ),
      ];
      expect(grants.map((g) => g[2]).sort()).toEqual(all);
      expect(new Set(grants.map((g) => `${g[1]}/${g[3]}`))).toEqual(new Set([`${editable}/true`]));
    }
  });

  it('ships a Flow whose Decision branches on the stable LeadLens_Tier__c values', async () => {
    const flow = await read('flows', 'LeadLens_Tier_Routing.flow-meta.xml');
    expect(flow).toMatch(
      /<object>Lead<\/object>\s*<recordTriggerType>CreateAndUpdate<\/recordTriggerType>\s*<triggerType>RecordAfterSave<\/triggerType>/,
    );
    const decision = /<decisions>([\s\S]*?)<\/decisions>/.exec(flow)?.[1] ?? '';
    const compared = [
      ...decision.matchAll(
        /<leftValueReference>\$Record\.LeadLens_Tier__c<\/leftValueReference>\s*<operator>EqualTo<\/operator>\s*<rightValue>\s*<stringValue>([^<]+)<\/stringValue>/g,
      ),
    ].map((m) => m[1]);
    expect(compared).toEqual(['tier_1', 'tier_2']);
    for (const v of compared) expect(TIER_VALUES).toContain(v);
    // Salesforce caps these descriptions at 255 characters.
    for (const file of [
      ['flows', 'LeadLens_Tier_Routing.flow-meta.xml'],
      ['flows', 'LeadLens_Deal_Tier_Routing.flow-meta.xml'],
      ['lwc', 'leadLensDealScoreCard', 'leadLensDealScoreCard.js-meta.xml'],
      ['lwc', 'leadLensAccountScoreCard', 'leadLensAccountScoreCard.js-meta.xml'],
      ['lwc', 'leadLensScoreDetails', 'leadLensScoreDetails.js-meta.xml'],
      ['lwc', 'leadLensScoreState', 'leadLensScoreState.js-meta.xml'],
      ['lwc', 'leadLensCardBase', 'leadLensCardBase.js-meta.xml'],
      ['permissionsets', 'LeadLens.permissionset-meta.xml'],
      ['permissionsets', 'LeadLens_Read.permissionset-meta.xml'],
      ['lwc', 'leadLensScoreCard', 'leadLensScoreCard.js-meta.xml'],
      ['lwc', 'leadLensCardView', 'leadLensCardView.js-meta.xml'],
    ]) {
      const description = /<description>([^<]*)<\/description>/.exec(await read(...file))?.[1];
      expect(description?.length).toBeLessThanOrEqual(255);
    }
    // Every connector leads to an element of the flow.
    const names = new Set([...flow.matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1]));
    for (const [, target] of flow.matchAll(/<targetReference>([^<]+)<\/targetReference>/g)) {
      expect(names).toContain(target);
    }
  });

  it('ships an Opportunity Flow that branches on the deal tier: tier 1, and slipping out of it', async () => {
    const flow = await read('flows', 'LeadLens_Deal_Tier_Routing.flow-meta.xml');
    expect(flow).toMatch(
      /<object>Opportunity<\/object>\s*<recordTriggerType>CreateAndUpdate<\/recordTriggerType>\s*<triggerType>RecordAfterSave<\/triggerType>/,
    );
    // Open deals only, and only when the tier is new or changed.
    expect(flow).toContain('NOT({!$Record.IsClosed})');
    expect(flow).toContain('ISCHANGED({!$Record.LeadLens_Tier__c})');
    const rules = [...flow.matchAll(/<rules>([\s\S]*?)<\/rules>/g)].map((m) => m[1]);
    const conditions = rules.map((r) =>
      [
        ...r.matchAll(
          /<leftValueReference>([^<]+)<\/leftValueReference>\s*<operator>(\w+)<\/operator>\s*<rightValue>\s*<stringValue>([^<]+)<\/stringValue>/g,
        ),
      ].map((m) => `${m[1]} ${m[2]} ${m[3]}`),
    );
    expect(conditions).toEqual([
      ['$Record.LeadLens_Tier__c EqualTo tier_1'],
      [
        '$Record__Prior.LeadLens_Tier__c EqualTo tier_1',
        '$Record.LeadLens_Tier__c NotEqualTo tier_1',
      ],
    ]);
    // Tasks on an Opportunity hang off WhatId (WhoId is for Leads and Contacts).
    const creates = [...flow.matchAll(/<recordCreates>([\s\S]*?)<\/recordCreates>/g)].map(
      (m) => m[1],
    );
    expect(creates).toHaveLength(2);
    for (const c of creates) {
      expect(c).toMatch(/<field>WhatId<\/field>\s*<value>\s*<elementReference>\$Record\.Id</);
      expect(c).not.toContain('<field>WhoId</field>');
      expect(c).toContain('<object>Task</object>');
    }
    expect(flow).toContain('<status>Draft</status>');
    const names = new Set([...flow.matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1]));
    for (const [, target] of flow.matchAll(/<targetReference>([^<]+)<\/targetReference>/g)) {
      expect(names).toContain(target);
    }
    for (const [, ref] of flow.matchAll(/<elementReference>([^<$]+)<\/elementReference>/g)) {
      expect(names).toContain(ref);
    }
  });

  it('offers the deal card on Opportunity and the account card on Account record pages', async () => {
    for (const [bundle, object] of [
      ['leadLensDealScoreCard', 'Opportunity'],
      ['leadLensAccountScoreCard', 'Account'],
    ]) {
      const meta = await read('lwc', bundle, `${bundle}.js-meta.xml`);
      expect(meta).toContain('<isExposed>true</isExposed>');
      expect(meta).toContain('<target>lightning__RecordPage</target>');
      expect([...meta.matchAll(/<object>(\w+)<\/object>/g)].map((m) => m[1])).toEqual([object]);
    }
    // Every card renders its score's states through the shared children and keeps its record's
    // state in the shared base class, not in a copy of either.
    for (const bundle of [
      'leadLensScoreCard',
      'leadLensDealScoreCard',
      'leadLensAccountScoreCard',
    ]) {
      const html = await read('lwc', bundle, `${bundle}.html`);
      expect(html).toContain('<c-lead-lens-score-state');
      for (const copied of [
        'data-id="factor"',
        'data-id="error-message"',
        'data-id="empty-text"',
      ]) {
        expect(html).not.toContain(copied);
      }
      const js = await read('lwc', bundle, `${bundle}.js`);
      expect(js).toMatch(/extends LeadLensCardBase \{/);
      expect(js).not.toContain('ldsErrorMessage(this.');
    }
    expect(await read('lwc', 'leadLensScoreState', 'leadLensScoreState.html')).toContain(
      '<c-lead-lens-score-details',
    );
    for (const bundle of ['leadLensScoreDetails', 'leadLensScoreState', 'leadLensCardBase']) {
      const meta = await read('lwc', bundle, `${bundle}.js-meta.xml`);
      expect(meta).toContain('<isExposed>false</isExposed>');
    }
  });

  it('offers the card on Lead and Contact record pages and bundles the view module, not exposed', async () => {
    const meta = await read('lwc', 'leadLensScoreCard', 'leadLensScoreCard.js-meta.xml');
    expect(meta).toContain('<target>lightning__RecordPage</target>');
    expect(meta).toMatch(/<object>Lead<\/object>\s*<object>Contact<\/object>/);
    expect(meta).toContain('<isExposed>true</isExposed>');
    const viewMeta = await read('lwc', 'leadLensCardView', 'leadLensCardView.js-meta.xml');
    expect(viewMeta).toContain('<isExposed>false</isExposed>');
    const view = await read('lwc', 'leadLensCardView', 'leadLensCardView.js');
    expect(view).toMatch(/^\/\/ Generated by `npm run build:salesforce`/);
    expect(view).toContain('function factorsView(');
    expect(view).toMatch(/export \{[\s\S]*salesforceCard[\s\S]*\}/);
    // Lowered for older LWC compilers, and nothing but the view code in it.
    expect(view).not.toMatch(/\?\.|\?\?/);
    expect(view).not.toMatch(/\brequire\(|\bimport\b/);
  });

  it('the bundled LWC view equals the HubSpot card view for the same payloads', async () => {
    const bundled = await loadBundledView();
    expect(bundled.SALESFORCE_CARD_FIELDS).toEqual(
      Object.fromEntries(
        Object.entries(bundled.SALESFORCE_CARD_FIELDS).map(([prop]) => [
          prop,
          SALESFORCE_FIELDS[
            (Object.keys(LEADLENS_PROPERTIES) as Array<keyof typeof LEADLENS_PROPERTIES>).find(
              (k) => LEADLENS_PROPERTIES[k] === prop,
            )!
          ],
        ]),
      ),
    );
    const all = await fixtures();
    expect(all.map(([n]) => n)).toEqual([
      'contact.json',
      // A Contact created on an Account, scored by the lead model (issue 16).
      'contactOnAccount.json',
      'notScored.json',
      'scored.json',
      'stale.json',
    ]);
    const kinds: string[] = [];
    for (const [, record] of all) {
      // The HubSpot card reads the same values as property strings, the tier's label formatted.
      const props: CardProps = {};
      for (const [k, prop] of Object.entries(LEADLENS_PROPERTIES)) {
        const field = record.fields[SALESFORCE_FIELDS[k as keyof typeof LEADLENS_PROPERTIES]];
        if (field)
          props[prop as keyof CardProps] = field.value === null ? null : String(field.value);
      }
      const ref = {
        objectType: record.apiName === 'Contact' ? ('contact' as const) : ('lead' as const),
        objectId: record.id,
      };
      const label = record.fields.LeadLens_Tier__c?.displayValue ?? null;
      const hubspot = toCardView(cardFromProps(ref, ref, props, label), NOW);
      const salesforce = bundled.salesforceCard(record.apiName, record.id, record, NOW);
      expect(salesforce.view).toEqual(hubspot);
      expect(salesforce.meta).toBe(hubspot.kind === 'scored' ? metaLine(hubspot) : null);
      kinds.push(hubspot.kind === 'scored' && hubspot.factors ? 'factors' : hubspot.kind);
    }
    // The payloads cover a scored card with factors, scored ones without, and no score.
    expect(kinds.sort()).toEqual(['factors', 'factors', 'not_scored', 'scored', 'scored']);
  });

  it('the deal and account cards get the HubSpot deal and company card views for the same values', async () => {
    const bundled = await loadBundledView();
    const seen: string[] = [];
    for (const [bundle, object, objectType] of [
      ['leadLensDealScoreCard', 'Opportunity', 'deal'],
      ['leadLensAccountScoreCard', 'Account', 'company'],
    ] as const) {
      for (const [name, record] of await fixtures(cardFixtures(bundle))) {
        if (record.apiName !== object) continue; // the committee's related-list payloads
        const hubspot = hubspotView(record, objectType);
        const closed = record.fields.IsClosed?.value === true;
        const salesforce = bundled.salesforceCard(object, record.id, record, NOW, { closed });
        expect(salesforce.view).toEqual(hubspot);
        expect(salesforce.meta).toBe(hubspot.kind === 'scored' ? metaLine(hubspot) : null);
        seen.push(`${object}/${name}:${salesforce.note?.kind ?? hubspot.kind}`);
      }
    }
    // Every state the cards show has a record behind it.
    expect(seen.sort()).toEqual([
      'Account/notScored.json:not_scored',
      'Account/scored.json:scored',
      'Opportunity/closed.json:closed',
      'Opportunity/noSignal.json:no_signal',
      'Opportunity/notScored.json:not_scored',
      'Opportunity/scored.json:scored',
      'Opportunity/stale.json:stale',
      'Opportunity/withheld.json:withheld',
    ]);
  });

  it("the account card's committee is the HubSpot company card's committee view", async () => {
    const bundled = await loadBundledView();
    const data = JSON.parse(
      await fs.readFile(
        path.join(cardFixtures('leadLensAccountScoreCard'), 'committee.json'),
        'utf8',
      ),
    ) as { results: Array<{ result: { records: Record[] } }> };
    const [contacts, relations] = data.results.map((r) => r.result.records);
    const sf = bundled.salesforceCommittee(contacts!, relations!);
    const role = new Map(
      relations!.map((r) => [String(r.fields.ContactId!.value), String(r.fields.Roles!.value)]),
    );
    const hs = toCommitteeView(
      contacts!.map((c, i) => ({
        toObjectId: i,
        properties: {
          firstname: c.fields.Name!.value as string,
          jobtitle: (c.fields.Title!.value as string | null) ?? null,
          email: c.fields.Email!.value as string,
          hs_buying_role: role.get(c.id)?.split(';').join(', ') ?? null,
          leadlens_score:
            c.fields.LeadLens_Score__c!.value == null
              ? null
              : String(c.fields.LeadLens_Score__c!.value),
          leadlens_tier: (c.fields.LeadLens_Tier__c!.value as string | null) ?? null,
        },
      })),
      contacts!.map((c, i) => ({
        toObjectId: i,
        properties: { leadlens_tier: c.fields.LeadLens_Tier__c!.displayValue },
      })),
    );
    const strip = <T extends { id: string }>(m: T) => ({ ...m, id: '' });
    expect(sf.members.map(strip)).toEqual(hs.members.map(strip));
    expect(sf.members.map((m) => m.id)).toEqual(hs.members.map((m) => contacts![Number(m.id)]!.id));
    expect([sf.scored, sf.senior]).toEqual([hs.scored, hs.senior]);
  });

  describe('the metadata check fails on what Salesforce would reject', () => {
    let broken: string;
    beforeEach(async () => {
      broken = await fs.mkdtemp(path.join(tmp, 'broken-'));
      await fs.cp(path.join(tmp, 'project'), broken, { recursive: true });
    });

    it('a field whose XML does not parse', async () => {
      await fs.writeFile(
        path.join(broken, MAIN, 'objects', 'Lead', 'fields', 'LeadLens_Score__c.field-meta.xml'),
        '<?xml version="1.0"?><CustomField><fullName>LeadLens_Score__c</fullName><type>Number',
      );
      const err = await checkSalesforceProject(broken).catch((e: unknown) => e);
      expect(isLeadLensError(err, 'CONFIG_INVALID')).toBe(true);
    });

    it('an LWC bundle without its js-meta.xml', async () => {
      await fs.rm(
        path.join(broken, MAIN, 'lwc', 'leadLensScoreCard', 'leadLensScoreCard.js-meta.xml'),
      );
      const err = await checkSalesforceProject(broken).catch((e: unknown) => e);
      expect(isLeadLensError(err, 'CONFIG_INVALID')).toBe(true);
    });

    it('a component missing from the package', async () => {
      await fs.rm(path.join(broken, MAIN, 'flows'), { recursive: true });
      await expect(
        checkSalesforceProject(broken, { expected: expectedComponents() }),
      ).rejects.toThrow(/misses Flow:LeadLens_Tier_Routing/);
    });

    it('a file of the wrong metadata type for its suffix', async () => {
      const dir = path.join(broken, MAIN, 'permissionsets');
      const flow = await fs.readFile(
        path.join(broken, MAIN, 'flows', 'LeadLens_Tier_Routing.flow-meta.xml'),
      );
      await fs.writeFile(path.join(dir, 'LeadLens_Read.permissionset-meta.xml'), flow);
      await expect(checkSalesforceProject(broken)).rejects.toThrow(
        /LeadLens_Read.permissionset-meta.xml must be a <PermissionSet/,
      );
    });

    it('a Flow element or value the Metadata API types do not have', async () => {
      const file = path.join(broken, MAIN, 'flows', 'LeadLens_Tier_Routing.flow-meta.xml');
      const flow = await fs.readFile(file, 'utf8');
      await fs.writeFile(
        file,
        flow.replace('<operator>EqualTo</operator>', '<operator>Equals</operator>'),
      );
      await expect(checkSalesforceProject(broken)).rejects.toThrow(
        /decisions\.rules\[0\]\.conditions\.operator: "Equals" is not a FlowComparisonOperator/,
      );
      await fs.writeFile(file, flow.replace(/<locationX>314<\/locationX>/, ''));
      await expect(checkSalesforceProject(broken)).rejects.toThrow(
        /<locationX> is required in FlowDecision/,
      );
    });

    it('a picklist value without its required default', async () => {
      const file = path.join(
        broken,
        MAIN,
        'objects',
        'Contact',
        'fields',
        'LeadLens_Tier__c.field-meta.xml',
      );
      const xml = await fs.readFile(file, 'utf8');
      await fs.writeFile(file, xml.replace('<default>false</default>', ''));
      await expect(checkSalesforceProject(broken)).rejects.toThrow(
        /<default> is required in CustomValue/,
      );
    });

    it('an LWC template the LWC compiler rejects (a quoted {} attribute)', async () => {
      const html = path.join(broken, MAIN, 'lwc', 'leadLensScoreState', 'leadLensScoreState.html');
      await fs.writeFile(
        html,
        (await fs.readFile(html, 'utf8')).replace('lwc:if={loading}', 'lwc:if="{loading}"'),
      );
      await expect(checkSalesforceProject(broken)).rejects.toThrow(
        /LWC1034: Ambiguous attribute value/,
      );
    });

    it('passes the unbroken copy, leaving no temporary package behind', async () => {
      const check = await checkSalesforceProject(broken, { expected: expectedComponents() });
      expect(check.mdapiDir).toBeNull();
      expect(check.components).toHaveLength(expectedComponents().length);
    });
  });
});
