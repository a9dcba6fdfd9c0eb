import { useState, type FormEvent } from 'react';
import type { BridgeConfig, ConfigChanges, TelegramParseMode } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { AllowListField, allowListEdit, allowListValue, type AllowListEdit } from './AllowListField';
import { KEEP, SecretField, secretChange, type SecretEdit } from './SecretField';

const PARSE_MODES: readonly TelegramParseMode[] = ['', 'MarkdownV2', 'HTML', 'Markdown'];

interface Fields {
  defaultChannel: string;
  allowedChannels: AllowListEdit;
  allowedUsers: AllowListEdit;
  parseMode: TelegramParseMode;
  allowedChats: AllowListEdit;
  memo: string;
}

type TextFields = 'defaultChannel' | 'memo';
type AllowLists = 'allowedChannels' | 'allowedUsers' | 'allowedChats';

const fieldsOf = (config: BridgeConfig): Fields => ({
  defaultChannel: config.slack.defaultChannel,
  allowedChannels: allowListEdit(config.slack.allowedChannels),
  allowedUsers: allowListEdit(config.slack.allowedUsers),
  parseMode: config.telegram.parseMode,
  allowedChats: allowListEdit(config.telegram.allowedChats),
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
      allowedChannels: allowListValue(fields.allowedChannels),
      allowedUsers: allowListValue(fields.allowedUsers),
      ...('value' in slackBot ? { botToken: slackBot.value } : {}),
      ...('value' in slackApp ? { appToken: slackApp.value } : {}),
    },
    telegram: {
      parseMode: fields.parseMode,
      allowedChats: allowListValue(fields.allowedChats),
      ...('value' in telegramBot ? { botToken: telegramBot.value } : {}),
    },
    memo: fields.memo.trim(),
  };
}

/** The settings as stored, to edit; `onSave` gets only what the form changes (secrets only when touched). */
export function SettingsForm({ config, saving, onSave }: { config: BridgeConfig; saving: boolean; onSave: (changes: ConfigChanges) => void }) {
  const [fields, setFields] = useState(() => fieldsOf(config));
  const t = useT().settings;
  const modeLabel = (mode: TelegramParseMode): string => (mode === '' ? t.plainText : mode === 'Markdown' ? t.legacyMarkdown : mode);
  const [secrets, setSecrets] = useState<Secrets>({ slackBot: KEEP, slackApp: KEEP, telegramBot: KEEP });

  const text = (name: TextFields) => ({
    value: fields[name],
    onChange: (e: { target: { value: string } }) => setFields({ ...fields, [name]: e.target.value }),
  });
  const list = (name: AllowLists) => ({ edit: fields[name], onEdit: (edit: AllowListEdit) => setFields({ ...fields, [name]: edit }) });
  const secret = (name: keyof Secrets) => ({ edit: secrets[name], onEdit: (edit: SecretEdit) => setSecrets({ ...secrets, [name]: edit }) });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    onSave(changesOf(fields, secrets));
  };

  return (
    <form onSubmit={submit} className="settings-form">
      <fieldset>
        <legend>Slack</legend>
        <SecretField label={t.botToken} platform="Slack" state={config.slack.botToken} {...secret('slackBot')} />
        <SecretField label={t.appToken} platform="Slack" state={config.slack.appToken} {...secret('slackApp')} />
        <TextField id="slack-channel" label={t.defaultChannel} hint={t.channelHint} {...text('defaultChannel')} />
        <AllowListField label={t.allowedChannels} entries={t.channelIds} variable="SLACK_ALLOWED_CHANNELS" emptyMeans={t.channelsEmpty} {...list('allowedChannels')} />
        <AllowListField label={t.allowedUsers} entries={t.userIds} variable="SLACK_ALLOWED_USERS" emptyMeans={t.usersEmpty} {...list('allowedUsers')} />
      </fieldset>
      <fieldset>
        <legend>Telegram</legend>
        <SecretField label={t.botToken} platform="Telegram" state={config.telegram.botToken} {...secret('telegramBot')} />
        <div className="field">
          <label htmlFor="telegram-parse-mode">{t.parseMode}</label>
          <select id="telegram-parse-mode" value={fields.parseMode} onChange={(e) => setFields({ ...fields, parseMode: e.target.value as TelegramParseMode })}>
            {PARSE_MODES.map((mode) => (
              <option key={mode} value={mode}>
                {modeLabel(mode)}
              </option>
            ))}
          </select>
        </div>
        <AllowListField label={t.allowedChats} entries={t.chatIds} variable="TELEGRAM_ALLOWED_CHATS" emptyMeans={t.chatsEmpty} {...list('allowedChats')} />
      </fieldset>
      <TextField id="settings-memo" label={t.memo} hint={t.memoHint} {...text('memo')} />
      <div className="actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? t.saving : t.save}
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
