import { useState, type FormEvent } from 'react';
import type { BridgeConfig, ConfigChanges, TelegramParseMode } from '../../api/types';
import { parseList } from '../../ui/format';
import { KEEP, SecretField, secretChange, type SecretEdit } from './SecretField';

const PARSE_MODES: { value: TelegramParseMode; label: string }[] = [
  { value: '', label: 'Plain text' },
  { value: 'MarkdownV2', label: 'MarkdownV2' },
  { value: 'HTML', label: 'HTML' },
  { value: 'Markdown', label: 'Markdown (legacy)' },
];

interface Fields {
  defaultChannel: string;
  allowedChannels: string;
  allowedUsers: string;
  parseMode: TelegramParseMode;
  allowedChats: string;
  memo: string;
}

const fieldsOf = (config: BridgeConfig): Fields => ({
  defaultChannel: config.slack.defaultChannel,
  allowedChannels: config.slack.allowedChannels.join(', '),
  allowedUsers: config.slack.allowedUsers.join(', '),
  parseMode: config.telegram.parseMode,
  allowedChats: config.telegram.allowedChats.join(', '),
  // A memo describes one save: start each one empty.
  memo: '',
});

type Secrets = Record<'slackBot' | 'slackApp' | 'telegramBot', SecretEdit>;

function changesOf(fields: Fields, secrets: Secrets): ConfigChanges {
  const slackBot = secretChange(secrets.slackBot);
  const slackApp = secretChange(secrets.slackApp);
  const telegramBot = secretChange(secrets.telegramBot);
  return {
    slack: {
      defaultChannel: fields.defaultChannel.trim(),
      allowedChannels: parseList(fields.allowedChannels),
      allowedUsers: parseList(fields.allowedUsers),
      ...('value' in slackBot ? { botToken: slackBot.value } : {}),
      ...('value' in slackApp ? { appToken: slackApp.value } : {}),
    },
    telegram: {
      parseMode: fields.parseMode,
      allowedChats: parseList(fields.allowedChats),
      ...('value' in telegramBot ? { botToken: telegramBot.value } : {}),
    },
    memo: fields.memo.trim(),
  };
}

/** The settings as stored, to edit; `onSave` gets only what the form changes (secrets only when touched). */
export function SettingsForm({ config, saving, onSave }: { config: BridgeConfig; saving: boolean; onSave: (changes: ConfigChanges) => void }) {
  const [fields, setFields] = useState(() => fieldsOf(config));
  const [secrets, setSecrets] = useState<Secrets>({ slackBot: KEEP, slackApp: KEEP, telegramBot: KEEP });

  const text = (name: keyof Omit<Fields, 'parseMode'>) => ({
    value: fields[name],
    onChange: (e: { target: { value: string } }) => setFields({ ...fields, [name]: e.target.value }),
  });
  const secret = (name: keyof Secrets) => ({ edit: secrets[name], onEdit: (edit: SecretEdit) => setSecrets({ ...secrets, [name]: edit }) });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    onSave(changesOf(fields, secrets));
  };

  return (
    <form onSubmit={submit} className="settings-form">
      <fieldset>
        <legend>Slack</legend>
        <SecretField label="Bot token" platform="Slack" state={config.slack.botToken} {...secret('slackBot')} />
        <SecretField label="App token" platform="Slack" state={config.slack.appToken} {...secret('slackApp')} />
        <TextField id="slack-channel" label="Default channel" hint="Channel id such as C0123456789" {...text('defaultChannel')} />
        <TextField id="slack-channels" label="Allowed channels" hint="Comma-separated; empty: any" {...text('allowedChannels')} />
        <TextField id="slack-users" label="Allowed users" hint="Comma-separated user ids; * for everyone" {...text('allowedUsers')} />
      </fieldset>
      <fieldset>
        <legend>Telegram</legend>
        <SecretField label="Bot token" platform="Telegram" state={config.telegram.botToken} {...secret('telegramBot')} />
        <div className="field">
          <label htmlFor="telegram-parse-mode">Parse mode</label>
          <select id="telegram-parse-mode" value={fields.parseMode} onChange={(e) => setFields({ ...fields, parseMode: e.target.value as TelegramParseMode })}>
            {PARSE_MODES.map((mode) => (
              <option key={mode.value} value={mode.value}>
                {mode.label}
              </option>
            ))}
          </select>
        </div>
        <TextField id="telegram-chats" label="Allowed chats" hint="Comma-separated chat ids; * for everyone" {...text('allowedChats')} />
      </fieldset>
      <TextField id="settings-memo" label="Memo for this save" hint="Shown in the header, e.g. why you changed it" {...text('memo')} />
      <div className="actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}

function TextField({ id, label, hint, value, onChange }: { id: string; label: string; hint: string; value: string; onChange: (e: { target: { value: string } }) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="text" value={value} onChange={onChange} aria-describedby={`${id}-hint`} spellCheck={false} />
      <span id={`${id}-hint`} className="hint">
        {hint}
      </span>
    </div>
  );
}
