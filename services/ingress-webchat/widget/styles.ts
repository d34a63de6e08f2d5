/** Inside the shadow root: nothing here reaches the page, and `all: initial` keeps the page's CSS out. */
export const CSS = `
:host{all:initial}
*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
[hidden]{display:none!important}
.root{position:fixed;right:20px;bottom:20px;z-index:2147483000;font-size:14px;color:#1f2430}
.launcher{position:relative;width:56px;height:56px;border-radius:50%;border:0;background:#3451b2;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;margin-left:auto}
.launcher:focus-visible,button:focus-visible{outline:3px solid #f5b400;outline-offset:2px}
.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;background:#d92d20;color:#fff;font-size:12px;line-height:20px;text-align:center}
.panel{width:340px;max-width:calc(100vw - 40px);height:480px;max-height:calc(100vh - 100px);margin-bottom:12px;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}
.head{display:flex;align-items:center;gap:8px;padding:12px 14px;background:#3451b2;color:#fff}
.head h2{flex:1;margin:0;font-size:16px;font-weight:600}
.head button{background:transparent;border:0;color:#fff;cursor:pointer;font-size:13px;padding:4px}
.close{font-size:20px!important}
.info{padding:6px 14px;background:#eef2ff;color:#3451b2;font-size:13px}
.messages{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:6px;margin:0;list-style:none}
.message{max-width:80%;padding:8px 11px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.35}
.message[data-direction=in]{align-self:flex-end;background:#3451b2;color:#fff;border-bottom-right-radius:4px}
.message[data-direction=out]{align-self:flex-start;background:#f0f1f4;border-bottom-left-radius:4px}
.message a{color:inherit;display:block;text-decoration:underline}
.message[data-state=pending]{opacity:.65}
.message[data-state=failed]{background:#fde8e7;color:#912018}
.retry{display:block;margin-top:4px;border:0;background:none;color:inherit;text-decoration:underline;cursor:pointer;padding:0;font-size:12px}
.typing{padding:0 14px 4px;color:#667085;font-size:12px;font-style:italic}
.notice{margin:6px 12px;padding:8px 10px;border-radius:8px;background:#ecfdf3;color:#05603a;font-size:13px}
.notice[data-kind=error]{background:#fef3f2;color:#b42318}
.composer{display:flex;gap:6px;align-items:flex-end;padding:10px;border-top:1px solid #e4e7ec}
.composer textarea{flex:1;resize:none;border:1px solid #d0d5dd;border-radius:8px;padding:8px;font-size:14px;max-height:100px}
.composer button,.form button[type=submit]{border:0;border-radius:8px;background:#3451b2;color:#fff;padding:8px 12px;cursor:pointer;font-size:14px}
.composer .file{background:#f0f1f4;color:#1f2430;padding:6px 8px;display:flex}
.composer .file svg{width:20px;height:20px}
.form{padding:12px 14px;overflow-y:auto;display:flex;flex-direction:column;gap:8px}
.form p{margin:0}
.field{display:flex;flex-direction:column;gap:3px}
.field label{font-size:12px;color:#475467}
.field input,.field textarea{border:1px solid #d0d5dd;border-radius:6px;padding:7px;font-size:14px}
.form .cancel{background:none;border:0;color:#3451b2;cursor:pointer;text-decoration:underline}
.survey{margin:6px 12px;padding:8px;border:1px solid #d0d5dd;border-radius:8px;display:flex;flex-direction:column;gap:6px;font-size:13px}
.survey-scores{display:flex;flex-wrap:wrap;gap:4px;margin-top:4px}
.survey-scores button{min-width:28px;border:1px solid #3451b2;border-radius:6px;background:#fff;color:#3451b2;padding:4px 6px;cursor:pointer}
.survey-comment{border:1px solid #d0d5dd;border-radius:6px;padding:6px;font-size:13px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;
