import { SALESFORCE_FIELDS } from './properties';
import {
  customFieldMetadata,
  salesforceFieldDefs,
  tierPicklistValues,
  type SalesforceFieldDef,
} from './salesforce-fields';
import { DEFAULT_SETTINGS, TiersSchema } from './settings';

const byKey = (defs: SalesforceFieldDef[], key: SalesforceFieldDef['key']) =>
  defs.find((d) => d.key === key)!;

describe('salesforce fields', () => {
  it('defines one field per LeadLens property, named as SALESFORCE_FIELDS says', () => {
    const defs = salesforceFieldDefs();
    expect(Object.fromEntries(defs.map((d) => [d.key, d.apiName]))).toEqual(SALESFORCE_FIELDS);
    for (const d of defs) {
      expect(d.apiName).toMatch(/^LeadLens_[A-Za-z_]+__c$/);
      // Salesforce limits: label 40, description 1000, help text 510 characters.
      expect(d.label.length).toBeLessThanOrEqual(40);
      expect(d.description.length).toBeLessThanOrEqual(1000);
      expect(d.inlineHelpText.length).toBeLessThanOrEqual(510);
    }
  });

  it('gives the tier picklist the stable values and the labels of the settings given', () => {
    const tiers = TiersSchema.parse([
      { value: 'tier_1', label: 'A', minScore: 80 },
      { value: 'tier_2', label: 'B', minScore: 60 },
      { value: 'tier_3', label: 'C', minScore: 40 },
      { value: 'tier_4', label: 'D', minScore: 20 },
      { value: 'tier_5', label: 'E', minScore: 0 },
    ]);
    const tier = byKey(salesforceFieldDefs(tiers), 'tier');
    expect(customFieldMetadata(tier)).toMatchObject({
      type: 'Picklist',
      valueSet: {
        restricted: true,
        valueSetDefinition: {
          sorted: false,
          value: ['A', 'B', 'C', 'D', 'E'].map((label, i) => ({
            fullName: `tier_${i + 1}`,
            default: false,
            label,
          })),
        },
      },
    });
    expect(tierPicklistValues(DEFAULT_SETTINGS.tiers).map((v) => v.label)).toEqual([
      'Hot',
      'Warm',
      'Cool',
      'Cold',
    ]);
  });

  it('gives the Tooling API the Metadata of each type', () => {
    const defs = salesforceFieldDefs();
    expect(customFieldMetadata(byKey(defs, 'score'))).toMatchObject({
      type: 'Number',
      precision: 3,
      scale: 0,
    });
    expect(customFieldMetadata(byKey(defs, 'factors'))).toMatchObject({
      type: 'LongTextArea',
      length: 32768,
    });
    expect(customFieldMetadata(byKey(defs, 'scoredAt'))).toMatchObject({ type: 'DateTime' });
    expect(customFieldMetadata(byKey(defs, 'scoreJump'))).toEqual(
      expect.objectContaining({ type: 'Checkbox', defaultValue: false }),
    );
    // A checkbox cannot be required, a long text area cannot be unique: keys Salesforce rejects.
    expect(customFieldMetadata(byKey(defs, 'scoreJump'))).not.toHaveProperty('required');
    expect(customFieldMetadata(byKey(defs, 'factors'))).not.toHaveProperty('unique');
  });
});
